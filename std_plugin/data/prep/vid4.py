"""Vid4 (or any folder of test clips) -> the GT/ and BIx4/ (BDx4/) folders VideoTestDataset reads.

    std-prep-vid4 --input datasets/Vid4/GT --out datasets/Vid4_prepared --degradation BI BD

--input holds one folder of GT frames per clip (calendar/, city/, ...), frames
in natural order (im2 before im10). Outputs: <out>/GT/<clip>/00000000.png ...,
<out>/BIx4/<clip>/00000000.png ..., <out>/meta_info_GT.txt ('calendar 41 (576,720,3)').
Frames are renamed to 8-digit numbers because VideoTestDataset orders frames by
sorted file name. GT must be a multiple of --scale (Vid4 is).
"""
from std_plugin.data.prep.cli import print_done, require_input
from std_plugin.data.prep.frame_task import FrameSpec
from std_plugin.data.prep.frames import list_subfolders
from std_plugin.data.prep.layout import OutputNames, dataset_option, format_options, write_dataset
from std_plugin.data.prep.video_source import clip_jobs, frame_count

NUM_FRAME = 7  # EDVR's window; only printed in the option lines


def option_blocks(args, names):
    blocks = {f'test_{name}': dataset_option('VideoTestDataset', names.gt_folder(), names.lr_folder(name),
                                              names.meta_info(), name='Vid4', cache_data=True,
                                              num_frame=NUM_FRAME, padding='reflection_circle')
              for name in args.degradation}
    return format_options('option-file lines (name must be Vid4, REDS4 or REDSofficial for VideoTestDataset):',
                          blocks)


def prepare(args):
    root = require_input(args, 'the folder of clip folders')
    clip_dirs = list_subfolders(root)
    total = sum(frame_count(d) for d in clip_dirs)
    names = OutputNames(args.out, args.scale)
    spec = FrameSpec(args.degradation, args.scale, keep_gt=True, compress_level=args.compress_level)
    jobs = (job for d in clip_dirs for job in clip_jobs(d, d.name))
    report, outputs = write_dataset(args, names, spec, jobs, total=total, desc='Vid4', gt_folder=True)
    print_done(report, outputs, option_blocks(args, names))

