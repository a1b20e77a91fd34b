"""Frame sizes of a dataset root, read without loading the dataset: from an
LMDB's meta_info.txt (BasicSR's LmdbMaker writes `key.png (h,w,c) level`) or
from the first image of a folder tree. Used to check gt_size and the LR
scale before training starts."""
import os
import os.path as osp
import re

import cv2

SHAPE = re.compile(r'\((\d+),\s*(\d+),\s*\d+\)')


def first_lmdb_frame(root):
    """(key, (h, w)) of the first entry of an LMDB's meta_info.txt, or None."""
    meta = osp.join(root, 'meta_info.txt')
    if not osp.isfile(meta):
        return None
    with open(meta) as f:
        for line in f:
            found = SHAPE.search(line)
            if found:
                return line.split()[0], (int(found.group(1)), int(found.group(2)))
    return None


def first_image(root, depth=3):
    """Path relative to root of the first image in sorted order, at most `depth` folders down."""
    for name in sorted(os.listdir(root)):
        path = osp.join(root, name)
        if osp.isdir(path) and depth > 0:
            found = first_image(path, depth - 1)
            if found:
                return osp.join(name, found)
        elif name.lower().endswith(('.png', '.jpg', '.jpeg', '.bmp')):
            return name
    return None


def image_size(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    return None if img is None else img.shape[:2]


def first_frame(root, is_lmdb, rel=None):
    """(name, (h, w)) of the first frame of root, or of `rel` when root holds it; None when unknown."""
    if is_lmdb:
        return first_lmdb_frame(root)
    if not osp.isdir(root):
        return None
    rel = rel if rel and osp.isfile(osp.join(root, rel)) else first_image(root)
    size = image_size(osp.join(root, rel)) if rel else None
    return (rel, size) if size else None
