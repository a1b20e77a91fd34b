"""The paper's two degradations, BI and BD, through BasicSR's own functions,
and BIN, BI with sensor-like noise.

BI: MATLAB-style bicubic downsampling (`basicsr.utils.matlab_functions.imresize`).
BD: Gaussian blur (sigma 0.4 * scale, i.e. 1.6 for x4) then subsampling
    (`basicsr.data.data_util.duf_downsample`, the DUF code's kernel).
BIN: BI, then white Gaussian noise of sigma NOISE_SIGMA (in 0-255 units) on
    every LR pixel and channel, drawn independently for each frame. A network
    that fuses a window of frames can average the noise away; one that reads
    only the centre frame cannot, so a teacher trained on BIN learns to use
    time. The noise is seeded by the frame's own content, so rebuilding a set
    gives the same bytes and a frame shared by two septuplets gets the same
    noise in both.
All take and return BGR uint8 frames and crop the input to a multiple of the
scale first, so that LR * scale == GT exactly.
"""
import hashlib

import numpy as np
import torch

import std_plugin  # noqa: F401  (aliases the torchvision module `import basicsr` needs)
from basicsr.data.data_util import duf_downsample
from basicsr.data.transforms import mod_crop
from basicsr.utils.matlab_functions import imresize

from std_plugin.core.errors import DatasetPrepError

BD_SCALES = (2, 3, 4)  # the scales duf_downsample supports
_DUF_KERNEL = 13
NOISE_SIGMA = 10.0


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


def content_seed(img):
    return int.from_bytes(hashlib.sha256(np.ascontiguousarray(img).tobytes()).digest()[:8], 'little')


def bi_noise(img, scale):
    lr = bi(img, scale).astype(np.float64)
    noise = np.random.default_rng(content_seed(img)).normal(0.0, NOISE_SIGMA, lr.shape)
    return np.clip(np.round(lr + noise), 0, 255).astype(np.uint8)


DEGRADATIONS = {'BI': bi, 'BD': bd, 'BIN': bi_noise}


def degrade(img, name, scale):
    return DEGRADATIONS[name](img, scale)


def lr_tag(name, scale):
    """Folder / LMDB tag of an LR set, as in the Vid4 and Vimeo90K releases: 'BIx4'."""
    return f'{name}x{scale}'
