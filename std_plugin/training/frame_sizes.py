"""Frame sizes of a dataset root, read without loading the dataset: the
image of an LMDB's first key (named by its meta_info.txt, which BasicSR's
LmdbMaker writes as `key.png (h,w,c) level`), or the first image of a folder
tree. Used to check gt_size and the LR scale before training starts. An LMDB
image is decoded, not taken from meta_info.txt: a wrong meta_info.txt is then
said to be wrong instead of being reported as the frames' size."""
import os.path as osp
import re

import cv2
import lmdb
import numpy as np

from std_plugin.core.errors import DataError
from std_plugin.core.frame_files import list_clip_folders, list_frames

SHAPE = re.compile(r'\((\d+),\s*(\d+),\s*\d+\)')


def lmdb_image_size(root, key):
    """(h, w) of the image stored under key (without '.png') in the LMDB at root, or None without that key."""
    img = lmdb_image(root, key)
    return None if img is None else img.shape[:2]


def lmdb_image(root, key):
    """The image stored under key (without '.png') in the LMDB at root, or None without that key."""
    env = lmdb.open(root, readonly=True, lock=False, readahead=False, meminit=False)
    try:
        with env.begin() as txn:
            buf = txn.get(key.encode())
    finally:
        env.close()
    if buf is None:
        return None
    img = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DataError(f'corrupt image bytes: LMDB {root} key {key!r} could not be decoded ({len(buf)} bytes)')
    return img


def read_frame(root, is_lmdb, name):
    """The frame `name` (key.png for an LMDB, a relative path for a folder), or None."""
    if is_lmdb:
        return lmdb_image(root, name[:-len('.png')] if name.endswith('.png') else name)
    return cv2.imread(osp.join(root, name), cv2.IMREAD_UNCHANGED)


def same_scene(gt, lq):
    """Pearson correlation of the GT frame shrunk to the LR size and the LR frame
    (grey). Any degradation of one frame keeps it near 1 (bicubic, blur, noise,
    compression); frames of different footage are near 0."""
    def grey(img):
        img = img.astype(np.float64)
        return img.mean(axis=2) if img.ndim == 3 else img
    small = cv2.resize(grey(gt), (lq.shape[1], lq.shape[0]), interpolation=cv2.INTER_AREA)
    a, b = small.ravel() - small.mean(), grey(lq).ravel() - grey(lq).mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 1.0


def first_lmdb_frame(root):
    """(key.png, (h, w)) of the first entry of an LMDB's meta_info.txt, its size
    read from the image; None without a meta_info.txt."""
    meta = osp.join(root, 'meta_info.txt')
    if not osp.isfile(meta):
        return None
    with open(meta) as f:
        for number, line in enumerate(f, 1):
            found = SHAPE.search(line)
            if found:
                name = line.split()[0]
                stated = (int(found.group(1)), int(found.group(2)))
                size = lmdb_image_size(root, name[:-len('.png')] if name.endswith('.png') else name)
                if size is None:
                    raise DataError(f'{meta} line {number} names key {name!r} that the LMDB {root} lacks; the '
                                    'meta_info.txt is not this LMDB\'s (rebuild the LMDB)')
                if size != stated:
                    raise DataError(f'{meta} line {number} says {name} is {stated[0]}x{stated[1]} (h x w) but its '
                                    f'image is {size[0]}x{size[1]}; the meta_info.txt is wrong (rebuild the LMDB)')
                return name, size
    return None


def lmdb_frame_at(root, name):
    """(name, (h, w)) of the frame `name` (key.png, as in meta_info.txt) of an LMDB, or None without it."""
    size = lmdb_image_size(root, name[:-len('.png')] if name.endswith('.png') else name)
    return None if size is None else (name, size)


def first_image(root, depth=3):
    """Path relative to root of its first frame (list_frames' rule and order), or
    else of its first subfolder's, at most `depth` folders down."""
    frames = list_frames(root)
    if frames:
        return frames[0].name
    if depth > 0:
        for folder in list_clip_folders(root):
            found = first_image(str(folder), depth - 1)
            if found:
                return osp.join(folder.name, found)
    return None


def image_size(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    return None if img is None else img.shape[:2]


def first_frame(root, is_lmdb, rel=None):
    """(name, (h, w)) of the first frame of root, or of `rel` when root holds it; None when unknown."""
    if is_lmdb:
        return lmdb_frame_at(root, rel) if rel else first_lmdb_frame(root)
    if not osp.isdir(root):
        return None
    rel = rel if rel and osp.isfile(osp.join(root, rel)) else first_image(root)
    size = image_size(osp.join(root, rel)) if rel else None
    return (rel, size) if size else None
