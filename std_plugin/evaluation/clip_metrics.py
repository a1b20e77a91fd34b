"""PSNR/SSIM of SR folders against GT, per clip and averaged as BasicSR does.

Every number comes from BasicSR's own `calculate_psnr` / `calculate_ssim`
(Y: `test_y_channel=True`, BasicSR's BT.601 Y as MATLAB's rgb2ycbcr; RGB: all
three channels), on 8-bit images read like BasicSR's test datasets read them.

Averaging, as VideoBaseModel does for test folders: each clip's value is the
mean over its frames; a column's value is the mean over its clips (one clip
for Vid4 columns; for a Vimeo-T motion split, its sequences, each a clip of
one frame, im4); Average is the mean over ALL clips of the table, not over
the columns.

    table = evaluate_methods({'Bicubic': 'results/bicubic', 'STD': 'results/std'},
                             'datasets/Vid4/GT', dataset='Vid4')
"""
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import cv2
import numpy as np
from tqdm import tqdm

from basicsr.metrics import calculate_psnr, calculate_ssim
from std_plugin.evaluation.frame_pairs import EvaluationError, SRFolder, gt_frames

METRICS = {'PSNR': calculate_psnr, 'SSIM': calculate_ssim}
CHANNELS = {'Y': True, 'RGB': False}  # -> test_y_channel
AVERAGE = 'Average'


@dataclass
class Row:
    """One method: values[column][(channel, metric)], columns ending with Average."""
    method: str
    values: dict


@dataclass
class ScoreTable:
    dataset: str
    columns: list  # table columns without Average
    crop_border: int
    channels: tuple
    counts: dict  # column -> (clips, frames), Average included
    rows: list = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)


def read_image(path):
    # BGR uint8, as read_img_seq reads test frames; BasicSR's Y conversion expects BGR
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise EvaluationError(f'{path} is not a readable image')
    return img


def score_pair(pair, crop_border=0, channels=tuple(CHANNELS)):
    """{(channel, metric): value} for one (sr_path, gt_path)."""
    sr_path, gt_path = pair
    sr, gt = read_image(sr_path), read_image(gt_path)
    if sr.shape != gt.shape:
        raise EvaluationError(f'size mismatch: SR {sr_path} is {sr.shape[1]}x{sr.shape[0]}, '
                              f'GT {gt_path} is {gt.shape[1]}x{gt.shape[0]}')
    check_crop_border(crop_border, gt.shape, gt_path)
    return {(channel, name): float(metric(sr, gt, crop_border, test_y_channel=CHANNELS[channel]))
            for channel in channels for name, metric in METRICS.items()}


# BasicSR's SSIM filters with an 11x11 Gaussian window and keeps the valid part.
SSIM_WINDOW = 11


def check_crop_border(crop_border, shape, gt_path):
    """The frame left after cropping must hold one SSIM window (else cv2.filter2D
    fails on an empty array, or the mean of nothing is NaN)."""
    h, w = shape[:2]
    largest = max((min(h, w) - SSIM_WINDOW) // 2, 0)
    if crop_border < 0 or crop_border > largest:
        raise EvaluationError(f'--crop-border {crop_border}: the GT frame {gt_path} is {w}x{h}, which leaves '
                              f'{max(w - 2 * crop_border, 0)}x{max(h - 2 * crop_border, 0)} px; SSIM needs '
                              f'{SSIM_WINDOW}x{SSIM_WINDOW} (expected 0 <= --crop-border <= {largest})')


def score_pairs(pairs, crop_border, channels, workers=1, label=None):
    """Scores of each pair, in order; SSIM dominates the cost, hence the processes."""
    args = (pairs, [crop_border] * len(pairs), [channels] * len(pairs))
    progress = dict(total=len(pairs), desc=label, unit='frame', disable=label is None, leave=False)
    if workers <= 1:
        return list(tqdm(map(score_pair, *args), **progress))
    with ProcessPoolExecutor(workers) as pool:
        return list(tqdm(pool.map(score_pair, *args, chunksize=16), **progress))


def mean_scores(scores):
    return {key: float(np.mean([s[key] for s in scores])) for key in scores[0]}


def clip_means(frames, scores):
    by_clip = defaultdict(list)
    for frame, score in zip(frames, scores):
        by_clip[frame.clip].append(score)
    return {clip: mean_scores(clip_scores) for clip, clip_scores in by_clip.items()}


def column_clips(frames):
    """Column -> its clips, both in first-seen order."""
    clips = {}
    for frame in frames:
        clips.setdefault(frame.column, {})[frame.clip] = None
    return {column: list(members) for column, members in clips.items()}


def summarize(frames, scores):
    """values[column][(channel, metric)]: see the module docstring for the averaging."""
    means = clip_means(frames, scores)
    values = {column: mean_scores([means[c] for c in clips]) for column, clips in column_clips(frames).items()}
    values[AVERAGE] = mean_scores(list(means.values()))
    return values


def frame_counts(frames):
    counts = {column: (len(clips), sum(f.column == column for f in frames))
              for column, clips in column_clips(frames).items()}
    counts[AVERAGE] = (len({f.clip for f in frames}), len(frames))
    return counts


def evaluate_methods(methods, gt_dir, dataset='', splits=None, clips=None, crop_border=0,
                     channels=tuple(CHANNELS), suffix=None, workers=1, progress=False):
    """A ScoreTable with one row per method {name: sr_dir}, in the given order.
    splits {label: file} selects the Vimeo-T layout, else clip folders (all, or
    `clips`); suffix None detects each folder's '_<suffix>' from its first frame."""
    frames = gt_frames(gt_dir, splits, clips)
    table = ScoreTable(dataset, list(column_clips(frames)), crop_border, tuple(channels), frame_counts(frames))
    for method, sr_dir in methods.items():
        folder = SRFolder(sr_dir, suffix)
        pairs = [(folder.path(frame), frame.gt_path) for frame in frames]
        scores = score_pairs(pairs, crop_border, channels, workers, method if progress else None)
        table.rows.append(Row(method, summarize(frames, scores)))
    return table
