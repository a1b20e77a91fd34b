"""Reading, listing, fitting and encoding single frames.

Frames are handled as BGR uint8 arrays with 3 channels: exactly what BasicSR's
`imfrombytes(flag='color')` returns when a dataset reads them back.
"""
import os
from pathlib import Path

import cv2
import numpy as np

from std_plugin.core.errors import DatasetPrepError
from std_plugin.core.frame_files import IMAGE_EXTENSIONS, list_clip_folders, list_frames

_JPEG = ('.jpg', '.jpeg')
_JPEG_END = b'\xff\xd9'


def read_image(path):
    """Decode one image file, or raise DatasetPrepError naming it."""
    path = str(path)
    if not os.path.isfile(path):
        raise DatasetPrepError(f'{path}: missing frame (file not found)')
    data = np.fromfile(path, np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    # OpenCV may return the decoded top part of a cut-off JPEG, so check its end marker too.
    truncated_jpeg = path.lower().endswith(_JPEG) and data[-2:].tobytes() != _JPEG_END
    if img is None or truncated_jpeg:
        raise DatasetPrepError(f'{path}: unreadable or truncated image')
    return img


def list_images(folder):
    """The frames of a folder, by list_frames' rule and order; an empty folder is an error."""
    files = list_frames(_existing_dir(folder))
    if not files:
        raise DatasetPrepError(f'{folder}: no images ({", ".join(IMAGE_EXTENSIONS)}) in this folder')
    return files


def list_subfolders(root):
    """The clip folders of a dataset root, naturally sorted; none is an error."""
    folders = list_clip_folders(_existing_dir(root))
    if not folders:
        raise DatasetPrepError(f'{root}: no clip folders in this folder')
    return folders


def _existing_dir(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetPrepError(f'{folder}: folder not found')
    return folder


def check_divisible(img, scale, label):
    """Dataset GT must already be a multiple of the scale: BasicSR reads GT
    folders in place, so cropping it here would break the GT/LR pairing."""
    h, w = img.shape[:2]
    if h % scale or w % scale:
        raise DatasetPrepError(f'{label}: frame size {h}x{w} is not divisible by the scale {scale}')


def fit_frame(img, size, scale):
    """Shape user footage into a GT frame: scale it to cover `size` (h, w) and
    centre-crop, or without `size` crop it to a multiple of `scale`."""
    if size is None:
        h, w = img.shape[:2]
        return img[:h - h % scale, :w - w % scale]
    out_h, out_w = size
    h, w = img.shape[:2]
    ratio = max(out_h / h, out_w / w)
    new_h, new_w = max(out_h, round(h * ratio)), max(out_w, round(w * ratio))
    # INTER_AREA averages when shrinking (no aliasing); cubic when enlarging.
    interp = cv2.INTER_AREA if ratio < 1 else cv2.INTER_CUBIC
    img = cv2.resize(img, (new_w, new_h), interpolation=interp)
    top, left = (new_h - out_h) // 2, (new_w - out_w) // 2
    return img[top:top + out_h, left:left + out_w]


def encode_png(img, compress_level):
    ok, buf = cv2.imencode('.png', img, [cv2.IMWRITE_PNG_COMPRESSION, compress_level])
    if not ok:
        raise DatasetPrepError(f'could not encode a {img.shape} frame as PNG')
    return buf.tobytes()


def shape_of(img):
    """(h, w, c) as BasicSR's meta_info files write it."""
    return tuple(img.shape) if img.ndim == 3 else (*img.shape, 1)
