"""Frames of a video file (decoded with mmcv's VideoReader) or of a folder of
images, turned into frame jobs for one clip or for Vimeo-style septuplets."""
import itertools
from collections import deque
from pathlib import Path

from mmcv import VideoReader

from std_plugin.data.prep.frame_task import FrameJob
from std_plugin.data.prep.frames import list_images
from std_plugin.data.prep.meta_info import numbered_key, vimeo_keys
from std_plugin.training.errors import DatasetPrepError

SEPTUPLET = 7
MAX_SEPTUPLETS = 9999  # the 4-digit sequence number of a Vimeo key '00001/0001'


def _open_video(path):
    if not path.is_file():
        raise DatasetPrepError(f'{path}: input not found')
    reader = VideoReader(str(path))
    if not reader.opened:
        raise DatasetPrepError(f'{path}: not a video OpenCV can decode')
    return reader


def frame_count(path):
    """Frames an input holds, for progress bars only: a video's container count
    may be approximate, and a bad input counts 0 (its error comes with its jobs)."""
    path = Path(path)
    try:
        return len(list_images(path)) if path.is_dir() else _open_video(path).frame_cnt
    except DatasetPrepError:
        return 0


def _planned(jobs, clip):
    """Turn an error met while listing or decoding an input into a job that
    fails, so that it stops the run or, with --skip-bad, skips the clip."""
    try:
        yield from jobs
    except DatasetPrepError as err:
        yield FrameJob(clip, f'{clip}/unreadable', err, str(err))


def source_frames(path, start=0, max_frames=None):
    """Yield (label, source): image paths for a folder (workers decode them),
    decoded frames for a video (decoded here, in order, which is how video
    decoding is fast). Only the frames in flight are ever held in memory."""
    path = Path(path)
    stop = None if max_frames is None else start + max_frames
    if path.is_dir():
        for image in list_images(path)[start:stop]:
            yield str(image), str(image)
        return
    reader = _open_video(path)
    index = start - 1
    for index, frame in itertools.islice(enumerate(reader), start, stop):
        yield f'{path} frame {index}', frame
    if index < start:
        raise DatasetPrepError(f'{path}: no frame decodes (empty, truncated, or --start past its end)')
    # mmcv's reader just stops at the first frame it cannot decode: compare with
    # the container's count (what std-infer reads by) so that a video corrupt
    # from its middle on is an error, not a dataset of its readable half.
    expected = reader.frame_cnt if stop is None else min(reader.frame_cnt, stop)
    if index + 1 < expected:
        raise DatasetPrepError(f'{path}: frame {index + 1} of {reader.frame_cnt} cannot be decoded (truncated or '
                               'corrupt video); use --max-frames to keep the frames before it')


def clip_jobs(path, clip, start=0, max_frames=None):
    """Every frame of one input as one clip, keys '<clip>/00000000', ..."""
    frames = enumerate(source_frames(path, start, max_frames))
    return _planned((FrameJob(clip, numbered_key(clip, i), source, label) for i, (label, source) in frames), clip)


def septuplet_jobs(path, clip_number, step=SEPTUPLET, start=0, max_frames=None):
    """Septuplets of consecutive frames, one every `step` frames (step < 7
    overlaps them), as Vimeo clips '<clip_number:05d>/<n:04d>'."""
    return _planned(_septuplets(path, clip_number, step, start, max_frames), f'{clip_number:05d}')


def _septuplets(path, clip_number, step, start, max_frames):
    window = deque(maxlen=SEPTUPLET)
    count = 0
    for index, frame in enumerate(source_frames(path, start, max_frames)):
        window.append(frame)
        if len(window) < SEPTUPLET or (index - SEPTUPLET + 1) % step:
            continue
        count += 1
        if count > MAX_SEPTUPLETS:
            raise DatasetPrepError(f'{path}: more than {MAX_SEPTUPLETS} septuplets; raise --step or set --max-frames')
        clip = f'{clip_number:05d}/{count:04d}'
        for (label, source), key in zip(window, vimeo_keys(clip, SEPTUPLET)):
            yield FrameJob(clip, key, source, label)
    if count == 0:
        raise DatasetPrepError(f'{path}: fewer than {SEPTUPLET} frames, no septuplet')


def septuplet_count(num_frames, step):
    return max(0, (num_frames - SEPTUPLET) // step + 1)
