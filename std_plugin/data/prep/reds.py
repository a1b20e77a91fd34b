"""REDS clips -> BI/BD LR frames, meta_info (all clips and REDS4), and with --lmdb GT + LR LMDBs.

    std-prep-reds --input datasets/REDS/train_sharp --out datasets/REDS --lmdb

--input holds one folder per clip (000, 001, ...) of 100 frames 00000000.png ..
00000099.png (REDSDataset assumes 100 frames a clip). For the official split
with validation, merge val_sharp into train_sharp as clips 240-269 first, as
BasicSR's REDS instructions say. The GT folder is read in place; the outputs
are <out>/reds_BIx4/<clip>/<frame>.png, <out>/meta_info_reds_GT.txt (every
clip; REDSDataset drops the REDS4 clips itself with val_partition: REDS4),
<out>/meta_info_REDS4_test_GT.txt (clips 000, 011, 015, 020 for
VideoTestDataset) and with --lmdb <out>/reds_GT.lmdb and <out>/reds_BIx4.lmdb
(keys 000/00000000).
"""
from pathlib import Path

from std_plugin.data.prep.cli import print_done, require_input, verify_command
from std_plugin.data.prep.frame_task import FrameJob, FrameSpec
from std_plugin.data.prep.frames import list_subfolders
from std_plugin.data.prep.layout import OutputNames, dataset_option, format_options, write_dataset
from std_plugin.data.prep.meta_info import numbered_keys
from std_plugin.data.prep.sinks import MetaInfoSink

FRAMES = 100  # REDSDataset hard-codes frame indices 0..99
REDS4 = ('000', '011', '015', '020')



def clip_jobs(clip_dirs):
    for clip_dir in clip_dirs:
        for key in numbered_keys(clip_dir.name, FRAMES):
            path = str(clip_dir.parent / f'{key}.png')
            yield FrameJob(clip_dir.name, key, path, path)


def option_blocks(args, names, root, reds4_meta):
    blocks = {}
    for name in args.degradation:
        gt, lq = (names.gt_lmdb(), names.lr_lmdb(name)) if args.lmdb else (root, names.lr_folder(name))
        blocks[f'train_{name}'] = dataset_option('REDSDataset', gt, lq, names.meta_info(), lmdb=args.lmdb,
                                                 val_partition='REDS4', dataroot_flow=None)
        if reds4_meta is not None:
            blocks[f'val_{name}'] = dataset_option('VideoTestDataset', root, names.lr_folder(name), reds4_meta,
                                                   name='REDS4', cache_data=False, num_frame=5,
                                                   padding='reflection_circle')
    return format_options('option-file lines:', blocks)


def prepare(args):
    names = OutputNames(Path(args.out), args.scale, 'reds')
    if args.verify:
        return verify_command(names, args.degradation, numbered_keys)
    root = require_input(args, 'the folder of REDS clip folders')
    clip_dirs = list_subfolders(root)
    spec = FrameSpec(args.degradation, args.scale, keep_gt=args.lmdb, compress_level=args.compress_level)
    test_clips = [d.name for d in clip_dirs if d.name in REDS4]
    reds4_meta = Path(args.out) / 'meta_info_REDS4_test_GT.txt' if test_clips else None
    extra = [lambda staged: MetaInfoSink(staged.stage(reds4_meta), clips=set(test_clips))] if test_clips else []
    report, outputs = write_dataset(args, names, spec, clip_jobs(clip_dirs), total=FRAMES * len(clip_dirs),
                                    desc='REDS', gt_folder=False, extra_sinks=extra)
    print_done(report, outputs, option_blocks(args, names, root, reds4_meta))

