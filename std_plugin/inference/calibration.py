"""LR windows for INT8 calibration and for checking an INT8 model: from the
user's own frames (a folder of LR images or an LR video) or, by default, from
the demo's footage, degraded exactly as the demo's training and validation
clips are (std-prep-demo), but in memory: nothing is written.

Calibration sets each activation's INT8 range from what the network sees on
these windows, so they should look like the frames the model will process;
the demo's are a stand-in for users who have no LR footage at hand."""
import numpy as np

from std_plugin.core.windows import window_indices
from std_plugin.data.prep import demo
from std_plugin.data.prep.degradations import degrade
from std_plugin.data.prep.frames import fit_frame
from std_plugin.data.prep.video_source import source_frames
from std_plugin.inference.frame_source import open_frames
from std_plugin.inference.tiling import lr_tile

DEMO_TRAIN, DEMO_VAL = 'demo-train', 'demo-val'
MULTIPLE = 4


def to_window(frames):
    """(1, T, 3, h, w) float RGB [0, 1] of T uint8 BGR frames, cropped to multiples of 4."""
    h, w = (s // MULTIPLE * MULTIPLE for s in frames[0].shape[:2])
    return lr_tile(frames, np.arange(h), np.arange(w), 'cpu')


def demo_lr_frames(part):
    """The demo's LR frames (uint8 BGR) of its training video (the frames its
    septuplets come from, 256x256 GT) or its validation clip (bikes)."""
    if part == DEMO_TRAIN:
        path, start, count, size = demo.TRAIN_VIDEO, 0, (demo.SEPTUPLETS - 1) * demo.STEP + 7, (demo.GT_SIZE,) * 2
    else:
        path, start, count, size = demo.VAL_VIDEO, demo.VAL_START, demo.VAL_FRAMES, None
    frames = (img for _, img in source_frames(demo.packaged_video(path), start, count))
    return [degrade(fit_frame(img, size, demo.SCALE), demo.DEMO_DEGRADATION, demo.SCALE) for img in frames]


def windows(source, num_frame, count):
    """Up to `count` windows (1, num_frame, 3, h, w) spread evenly over `source`:
    DEMO_TRAIN, DEMO_VAL, or the path of a folder or video of LR frames (only
    the frames the windows need are read)."""
    if source in (DEMO_TRAIN, DEMO_VAL):
        frames = demo_lr_frames(source)
        length, read = len(frames), frames.__getitem__
    else:
        opened = open_frames(source)
        length, read = len(opened), opened.read
    centres = np.unique(np.linspace(0, length - 1, min(count, length)).round().astype(int))
    indices = window_indices(length, num_frame)
    return [to_window([read(i) for i in indices[t].tolist()]) for t in centres]
