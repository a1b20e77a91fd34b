"""Which files of a folder are the frames of a clip, and in which order: the
one rule every reader of frame folders follows (std-infer, the std-prep-*
scripts, std-table's GT pairing, the frame-size checks before training).

A frame is a regular file whose extension is one of IMAGE_EXTENSIONS (any
case) and whose name does not start with '.'. Everything else is ignored:
subfolders, other files (meta_info.txt, videos, notes), and hidden files,
which are never frames but macOS resource forks ('._im1.png') or writes still
being staged ('.im1.png.partial-123').

Frames come in natural order, digits compared as numbers: f2 before f10.
Plain sorting would put f10, f11, f12 between f1 and f2, and a sliding window
would then mix frames far apart in time. For zero-padded names ('%08d.png',
what the prep scripts write) natural order is BasicSR's plain sorted order.
"""
import os
import re
from pathlib import Path

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def natural_key(name):
    """Sort key that puts 'im2' before 'im10'. re.split with a group alternates
    text and digits from a text part on, so two keys never compare str to int."""
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', str(name))]


def natural_order(name):
    """natural_key with the name itself as a tie-break ('f01' and 'f1' have one
    key), so that the order never depends on the file system's listing order."""
    return natural_key(name), str(name)


def is_frame_name(name):
    return not name.startswith('.') and name.lower().endswith(IMAGE_EXTENSIONS)


def list_frames(folder):
    """The frame files of `folder` (a path that must be a folder), in natural order."""
    with os.scandir(folder) as entries:
        names = [e.name for e in entries if e.is_file() and is_frame_name(e.name)]
    return [Path(folder, name) for name in sorted(names, key=natural_order)]


def list_clip_folders(root):
    """The subfolders of `root` that are not hidden, in natural order: its clips."""
    with os.scandir(root) as entries:
        names = [e.name for e in entries if e.is_dir() and not e.name.startswith('.')]
    return [Path(root, name) for name in sorted(names, key=natural_order)]
