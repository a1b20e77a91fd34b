"""Vimeo90K septuplets -> BI/BD LR frames, meta_info, and with --lmdb GT + LR LMDBs.

    std-prep-vimeo90k --input datasets/vimeo_septuplet --out datasets/vimeo90k --lmdb
    std-prep-vimeo90k --input datasets/vimeo_septuplet --out datasets/vimeo90k --split test

--input is the unpacked vimeo_septuplet folder (sequences/, sep_trainlist.txt,
sep_testlist.txt). The GT folder is read in place (<input>/sequences); the
outputs are <out>/vimeo90k_<split>_BIx4/ (LR frames), <out>/meta_info_vimeo90k_<split>_GT.txt
and with --lmdb <out>/vimeo90k_<split>_GT.lmdb and <out>/vimeo90k_<split>_BIx4.lmdb
(keys 00001/0001/im1..im7, all seven GT frames so that Vimeo90KRecurrentDataset works too).
"""
from pathlib import Path

from std_plugin.data.prep.cli import print_done, require_input, verify_command
from std_plugin.data.prep.frame_task import FrameJob, FrameSpec
from std_plugin.data.prep.layout import OutputNames, dataset_option, format_options, write_dataset
from std_plugin.data.prep.meta_info import vimeo_keys
from std_plugin.core.errors import DatasetPrepError

LIST_FILES = {'train': 'sep_trainlist.txt', 'test': 'sep_testlist.txt'}
FRAMES = 7


def read_septuplet_list(root, split):
    path = Path(root) / LIST_FILES[split]
    if not path.is_file():
        raise DatasetPrepError(f'{path}: septuplet list not found (--input must be the vimeo_septuplet folder)')
    with open(path) as fin:
        names = [line.strip() for line in fin if line.strip()]
    if not names:
        raise DatasetPrepError(f'{path}: the septuplet list is empty')
    return names


def septuplet_jobs(sequences, names):
    for clip in names:
        for key in vimeo_keys(clip, FRAMES):
            path = str(sequences / f'{key}.png')
            yield FrameJob(clip, key, path, path)


def option_blocks(args, names, sequences):
    blocks = {}
    for name in args.degradation:
        if args.split == 'test':
            blocks[f'test_{name}'] = dataset_option('VideoTestVimeo90KDataset', sequences, names.lr_folder(name),
                                                    names.meta_info(), name='Vimeo90K', cache_data=False,
                                                    num_frame=FRAMES)
        else:
            gt, lq = ((names.gt_lmdb(), names.lr_lmdb(name)) if args.lmdb else (sequences, names.lr_folder(name)))
            blocks[f'train_{name}'] = dataset_option('Vimeo90KRecurrentDataset', gt, lq, names.meta_info(),
                                                     lmdb=args.lmdb)
    return format_options('option-file lines (Vimeo90KDataset takes the same keys):', blocks)


def prepare(args):
    names = OutputNames(Path(args.out), args.scale, f'vimeo90k_{args.split}')
    if args.verify:
        return verify_command(names, args.degradation, vimeo_keys)
    root = require_input(args, 'the vimeo_septuplet folder')
    if args.lmdb and args.split == 'test':
        raise DatasetPrepError('--lmdb with --split test: BasicSR\'s test datasets read folders, not LMDBs')
    sequences = root / 'sequences'
    if not sequences.is_dir():
        raise DatasetPrepError(f'{sequences}: folder not found (--input must be the vimeo_septuplet folder)')
    clips = read_septuplet_list(root, args.split)
    spec = FrameSpec(args.degradation, args.scale, keep_gt=args.lmdb, compress_level=args.compress_level)
    report, outputs = write_dataset(args, names, spec, septuplet_jobs(sequences, clips), total=FRAMES * len(clips),
                                    desc=f'Vimeo90K {args.split}', gt_folder=False)
    print_done(report, outputs, option_blocks(args, names, sequences))

