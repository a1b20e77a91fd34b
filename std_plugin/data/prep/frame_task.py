"""One unit of parallel work: a GT frame in, its GT and LR PNG bytes out.

Workers never write files: they return encoded bytes, and the main process
writes a clip only once all its frames are known to be good, so a bad frame
never leaves half a clip behind.
"""
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

import numpy as np

from std_plugin.data.prep.degradations import degrade
from std_plugin.data.prep.frames import check_divisible, encode_png, fit_frame, read_image, shape_of
from std_plugin.core.errors import DatasetPrepError


@dataclass(frozen=True)
class FrameSpec:
    """What every frame of a run goes through."""
    degradations: Tuple[str, ...]
    scale: int = 4
    gt_size: Optional[Tuple[int, int]] = None  # user footage: cover this (h, w) and centre-crop
    fit: bool = False  # user footage: crop/resize to fit instead of rejecting a non-multiple size
    keep_gt: bool = False  # return GT bytes too (a GT folder or GT LMDB is written)
    compress_level: int = 1  # PNG level; 1 is BasicSR's LMDB default (fast to decode)


@dataclass(frozen=True)
class FrameJob:
    clip: str  # frames of one clip are written together, or skipped together
    key: str  # LMDB key and relative output path without '.png', e.g. '00001/0001/im1'
    # An image path (decoded by the worker), a decoded frame, or the DatasetPrepError
    # met while planning the clip (so --skip-bad treats it like any bad frame).
    source: Union[str, np.ndarray, DatasetPrepError]
    label: str  # names the frame in error messages


@dataclass
class FrameResult:
    clip: str
    key: str
    label: str
    source_shape: Optional[tuple] = None
    gt_shape: Optional[tuple] = None
    gt_png: Optional[bytes] = None
    lr_png: dict = field(default_factory=dict)  # degradation name -> PNG bytes
    lr_shape: Optional[tuple] = None
    error: Optional[str] = None


def process_frame(job, spec):
    """Errors come back in the result (not raised) so the main process can
    decide between stopping and --skip-bad with the whole clip in view."""
    result = FrameResult(job.clip, job.key, job.label)
    try:
        if isinstance(job.source, DatasetPrepError):
            raise job.source
        img = read_image(job.source) if isinstance(job.source, str) else job.source
        result.source_shape = shape_of(img)
        if spec.fit:
            img = fit_frame(img, spec.gt_size, spec.scale)
        else:
            check_divisible(img, spec.scale, job.label)
        result.gt_shape = shape_of(img)
        if spec.keep_gt:
            result.gt_png = encode_png(img, spec.compress_level)
        for name in spec.degradations:
            lr = degrade(img, name, spec.scale)
            _check_lr_shape(lr, img, spec.scale, job.label)
            result.lr_png[name] = encode_png(lr, spec.compress_level)
            result.lr_shape = shape_of(lr)
    except DatasetPrepError as err:
        result.error = str(err)
    return result


def _check_lr_shape(lr, gt, scale, label):
    """BasicSR's paired_random_crop requires LR * scale == GT exactly."""
    h, w = gt.shape[:2]
    if lr.shape[:2] != (h // scale, w // scale):
        raise DatasetPrepError(f'{label}: LR {lr.shape[:2]} is not GT {gt.shape[:2]} / {scale}')
