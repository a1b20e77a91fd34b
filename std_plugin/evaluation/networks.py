"""The networks std-profile and std-bench know by name (the STD students and
the BasicSR teachers, at the sizes of their papers' option files), how each is
built to take an LR window, and the LR sizes they accept.
"""
import argparse
from collections import namedtuple

from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs import network_spec
from std_plugin.training.clip_teacher_options import MIN_LR_SIZE, is_clip_network

SCALE = 4
SIZE_MULTIPLE = 4  # EDVR's pyramid, VESPCN's coarse flow, FastDVDnet's U-Net and TOFlow's SpyNet (on 4x frames)
# A clip network's forward: one training clip (a Vimeo90K septuplet), one output per frame.
# IconVSR's EDVR keyframes (frames 0, 5 and the last) make a short clip costlier per frame than a long video.
CLIP_FRAMES = 7

# opt: BasicSR network options; paper: the STD supplement's FLOPs column (T,
# at 180x120), None where it has none.
Network = namedtuple('Network', 'name opt paper')

# BasicSR's EDVR_L / EDVR_M option files, at 7 frames (the STD window; BasicSR's
# REDS EDVR-M options use 5).
EDVR_COMMON = dict(type='EDVR', num_in_ch=3, num_out_ch=3, num_frame=7, deformable_groups=8, num_extract_block=5,
                   center_frame_idx=None, hr_in=False, with_predeblur=False)

NETWORKS = [
    Network('FastDVDnetVSR', dict(type='FastDVDnetVSR'), 0.06),
    Network('VDSR', dict(type='VDSR'), 0.22),
    Network('VESPCN', dict(type='VESPCN'), 0.26),
    Network('VSRNet', dict(type='VSRNet'), 0.23),
    Network('EDVR-L', dict(EDVR_COMMON, num_feat=128, num_reconstruct_block=40, with_tsa=True), 0.93),
    Network('EDVR-M', dict(EDVR_COMMON, num_feat=64, num_reconstruct_block=10, with_tsa=False), None),
    Network('DUF', dict(type='DUF', scale=SCALE, num_layer=52), 0.62),
    Network('TOFlow', dict(type='TOFlow'), 0.81),  # fed bicubic-upsampled frames, see network_spec
    # Recurrent clip teachers as BasicSR's Vimeo90K option files build them (30 residual blocks per branch for
    # BasicVSR and IconVSR, BasicVSR++ at its defaults); random SpyNet: counts and times need no weights.
    Network('BasicVSR', dict(type='BasicVSR', num_feat=64, num_block=30, spynet_path=None), None),
    Network('IconVSR', dict(type='IconVSR', num_feat=64, num_block=30, spynet_path=None, edvr_path=None), None),
    Network('BasicVSR++', dict(type='BasicVSRPlusPlus', spynet_path=None), None),
]


def build(network):
    """(model taking the LR window, frames per output frame); KeyError if the
    arch is not registered (checked first: BasicSR's Registry.get prints to
    stdout, which would spoil --json)."""
    if network.opt['type'] not in ARCH_REGISTRY:
        raise KeyError(f"{network.opt['type']} is not registered in ARCH_REGISTRY")
    net = network_spec.build(network.opt)
    if is_clip_network(network.opt):
        return net.eval(), CLIP_FRAMES
    frames = network_spec.frames_per_output(net, network.opt)
    return network_spec.takes_lr_window(net, network.opt, SCALE).eval(), frames


def outputs_per_forward(network):
    return CLIP_FRAMES if is_clip_network(network.opt) else 1


def min_side(network):
    """Smallest LR side the network accepts (SpyNet-based ones need more than 32)."""
    return MIN_LR_SIZE.get(network.opt['type'], 1)


def parse_size(text):
    """'WxH' -> (W, H), both positive multiples of 4."""
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected WxH such as 180x120, got {text!r}') from None
    if w <= 0 or h <= 0 or w % SIZE_MULTIPLE or h % SIZE_MULTIPLE:
        raise argparse.ArgumentTypeError(f'width and height must be positive multiples of {SIZE_MULTIPLE} '
                                         f'(EDVR, VESPCN, FastDVDnet and TOFlow downsample by 4), got {text!r}')
    return w, h
