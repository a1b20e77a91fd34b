"""Your own footage (video files or folders of frames) -> Vimeo-style septuplets
for training or a Vid4-style clip for testing, with BI/BD LR frames.

    std-prep-video --input clip.mp4 --out datasets/mine --layout vimeo --gt-size 256x256 --lmdb
    std-prep-video --input clip.mp4 --out datasets/mine_test --layout vid4 --max-frames 20

Outputs, vimeo layout: <out>/GT/00001/0001/im1..7.png (input n -> clip n),
<out>/BIx4/..., <out>/meta_info_GT.txt, and with --lmdb <out>/GT.lmdb and
<out>/BIx4.lmdb. vid4 layout: <out>/GT/<name>/00000000.png..., <out>/BIx4/<name>/...,
<out>/meta_info_GT.txt. Frames are resized to cover --gt-size and centre-cropped,
or without it cropped to a multiple of --scale.
"""
import dataclasses
from pathlib import Path
from typing import Optional, Sequence, Tuple

from std_plugin.data.prep.cli import check_args, print_done, verify_command
from std_plugin.data.prep.frame_task import FrameSpec
from std_plugin.data.prep.layout import OutputNames, dataset_option, format_options, write_dataset
from std_plugin.data.prep.meta_info import vimeo_keys
from std_plugin.data.prep.video_source import SEPTUPLET, clip_jobs, frame_count, septuplet_count, septuplet_jobs
from std_plugin.core.errors import DatasetPrepError


@dataclasses.dataclass
class VideoPrep:
    """What std-prep-video does, as typed fields (its flags, with their defaults)."""
    input: Sequence[str]
    out: str
    layout: str  # 'vimeo' (training septuplets) or 'vid4' (one test clip per input)
    degradation: Sequence[str] = ('BI',)
    scale: int = 4
    gt_size: Optional[Tuple[int, int]] = None  # (width, height)
    start: int = 0
    max_frames: Optional[int] = None
    step: int = SEPTUPLET
    name: Optional[Sequence[str]] = None
    lmdb: bool = False
    verify: bool = False
    overwrite: bool = False
    skip_bad: bool = False
    workers: int = 1
    compress_level: int = 1


def prepare_video(inputs, out, layout, **options):
    """Prepare videos or folders of frames as std-prep-video does, for Python
    callers; options are VideoPrep's fields. Raises DatasetPrepError on bad input."""
    job = VideoPrep(input=[str(p) for p in inputs], out=str(out), layout=layout, **options)
    if job.layout not in ('vimeo', 'vid4'):
        raise DatasetPrepError(f"layout {job.layout!r}: expected 'vimeo' or 'vid4'")
    check_args(job)
    return prepare(job)


def check_video_args(args):
    if args.gt_size and any(v <= 0 or v % args.scale for v in args.gt_size):
        raise DatasetPrepError(f'--gt-size {args.gt_size[0]}x{args.gt_size[1]}: must be positive multiples of '
                               f'--scale {args.scale}')
    if args.step < 1 or args.start < 0 or (args.max_frames is not None and args.max_frames < 1):
        raise DatasetPrepError('--step and --max-frames must be at least 1, --start at least 0')
    if args.layout == 'vid4' and args.lmdb:
        raise DatasetPrepError('--lmdb with --layout vid4: BasicSR\'s VideoTestDataset reads folders, not LMDBs')
    if args.verify and args.layout == 'vid4':
        raise DatasetPrepError('--verify checks LMDBs, and the vid4 layout writes none')
    if not args.verify and not args.input:
        raise DatasetPrepError('--input is required: video files and/or folders of frames')
    if args.name and len(args.name) != len(args.input or ()):
        raise DatasetPrepError(f'--name: {len(args.name)} names for {len(args.input)} inputs')


def clip_names(args):
    names = args.name or [Path(p).stem for p in args.input]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DatasetPrepError(f'clip name {repeated[0]!r} is used by two inputs; give --name')
    return names


def frames_used(args, path):
    available = max(0, frame_count(path) - args.start)
    return available if args.max_frames is None else min(available, args.max_frames)


def plan(args):
    """(jobs, number of frames) of the chosen layout; jobs are generated lazily."""
    if args.layout == 'vid4':
        jobs = (job for path, name in zip(args.input, clip_names(args))
                for job in clip_jobs(path, name, args.start, args.max_frames))
        return jobs, sum(frames_used(args, p) for p in args.input)
    if len(args.input) > 99999:
        raise DatasetPrepError('more than 99999 inputs: the Vimeo clip number has 5 digits')
    jobs = (job for number, path in enumerate(args.input, 1)
            for job in septuplet_jobs(path, number, args.step, args.start, args.max_frames))
    total = sum(SEPTUPLET * septuplet_count(frames_used(args, p), args.step) for p in args.input)
    return jobs, total


def option_blocks(args, names):
    blocks = {}
    for name in args.degradation:
        if args.layout == 'vid4':
            blocks[f'test_{name}'] = dataset_option('VideoTestDataset', names.gt_folder(), names.lr_folder(name),
                                                    names.meta_info(), name='Vid4', cache_data=True,
                                                    num_frame=SEPTUPLET, padding='reflection_circle')
            continue
        gt, lq = (names.gt_lmdb(), names.lr_lmdb(name)) if args.lmdb else (names.gt_folder(), names.lr_folder(name))
        blocks[f'train_{name}'] = dataset_option('Vimeo90KRecurrentDataset', gt, lq, names.meta_info(),
                                                 lmdb=args.lmdb)
    return format_options('option-file lines:', blocks)


def prepare(args):
    check_video_args(args)
    names = OutputNames(Path(args.out), args.scale)
    if args.verify:
        return verify_command(names, args.degradation, vimeo_keys)
    jobs, total = plan(args)
    gt_hw = tuple(args.gt_size[::-1]) if args.gt_size else None  # FrameSpec takes (h, w)
    spec = FrameSpec(args.degradation, args.scale, gt_size=gt_hw, fit=True,
                     keep_gt=True, compress_level=args.compress_level)
    report, outputs = write_dataset(args, names, spec, jobs, total=total, desc=f'{args.layout} layout',
                                    gt_folder=True)
    print_done(report, outputs, option_blocks(args, names))

