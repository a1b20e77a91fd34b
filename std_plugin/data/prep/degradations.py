"""The paper's two degradations, BI and BD, through BasicSR's own functions.

BI: MATLAB-style bicubic downsampling (`basicsr.utils.matlab_functions.imresize`).
BD: Gaussian blur (sigma 0.4 * scale, i.e. 1.6 for x4) then subsampling
    (`basicsr.data.data_util.duf_downsample`, the DUF code's kernel).
Both take and return BGR uint8 frames and crop the input to a multiple of the
scale first, so that LR * scale == GT exactly.
"""
import numpy as np
import torch

import std_plugin  # noqa: F401  (aliases the torchvision module `import basicsr` needs)
from basicsr.data.data_util import duf_downsample
from basicsr.data.transforms import mod_crop
from basicsr.utils.matlab_functions import imresize

from std_plugin.training.errors import DatasetPrepError

BD_SCALES = (2, 3, 4)  # the scales duf_downsample supports
_DUF_KERNEL = 13


def _to_uint8(img):
    """[0, 1] float -> uint8 with rounding, as MATLAB's imresize on uint8 does."""
    return np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)


def bi(img, scale):
    gt = mod_crop(img, scale)
    return _to_uint8(imresize(gt.astype(np.float32) / 255.0, 1 / scale))


def bd(img, scale):
    if scale not in BD_SCALES:
        raise DatasetPrepError(f'BD degradation supports scales {BD_SCALES}, not {scale}')
    gt = mod_crop(img, scale)
    # duf_downsample pads by kernel//2 + 2*scale with reflection, which needs a larger frame.
    min_side = _DUF_KERNEL // 2 + 2 * scale + 1
    if min(gt.shape[:2]) < min_side:
        raise DatasetPrepError(f'BD x{scale} needs frames of at least {min_side}x{min_side}, got {gt.shape[:2]}')
    frames = torch.from_numpy(gt.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)  # (t=1, c, h, w)
    lr = duf_downsample(frames, kernel_size=_DUF_KERNEL, scale=scale)[0]
    return _to_uint8(lr.permute(1, 2, 0).numpy())


DEGRADATIONS = {'BI': bi, 'BD': bd}


def degrade(img, name, scale):
    return DEGRADATIONS[name](img, scale)


def lr_tag(name, scale):
    """Folder / LMDB tag of an LR set, as in the Vid4 and Vimeo90K releases: 'BIx4'."""
    return f'{name}x{scale}'
