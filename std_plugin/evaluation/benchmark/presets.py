"""Teachers and students std-bench can build by a short name: the real sizes
(std-profile's EDVR-L / EDVR-M / BasicVSR / IconVSR / BasicVSR++ /
FastDVDnetVSR options) and tiny ones that run in seconds on a CPU (the sizes
the tests use)."""
from std_plugin.evaluation.networks import NETWORKS

_PROFILED = {network.name: network.opt for network in NETWORKS}

TINY_EDVR = dict(type='EDVR', num_in_ch=3, num_out_ch=3, num_feat=8, num_frame=7, deformable_groups=1,
                 num_extract_block=1, num_reconstruct_block=1, center_frame_idx=None, hr_in=False,
                 with_predeblur=False, with_tsa=False)
TINY_BASICVSR = dict(type='BasicVSR', num_feat=8, num_block=1, spynet_path=None)
TINY_FASTDVDNET = dict(type='FastDVDnetVSR', num_frame=7, scale=4, num_feat=8, branch_ch=4, interm_ch=4,
                       widths=[8, 8, 8])

# short name -> (label, BasicSR network options)
TEACHERS = {
    'edvr-l': ('EDVR-L', _PROFILED['EDVR-L']),
    'edvr-m': ('EDVR-M', _PROFILED['EDVR-M']),
    'tiny': ('tiny EDVR', TINY_EDVR),
    # clip teachers: one call per clip (std_plugin/distill/clip_teacher.py)
    'basicvsr': ('BasicVSR', _PROFILED['BasicVSR']),
    'iconvsr': ('IconVSR', _PROFILED['IconVSR']),
    'basicvsrpp': ('BasicVSR++', _PROFILED['BasicVSR++']),
    'tiny-basicvsr': ('tiny BasicVSR', TINY_BASICVSR),
}
STUDENTS = {
    'fastdvdnet': ('FastDVDnetVSR', _PROFILED['FastDVDnetVSR']),
    'tiny': ('tiny FastDVDnetVSR', TINY_FASTDVDNET),
}

