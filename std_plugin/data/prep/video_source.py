"""Frames of a video file (data/video_reader.py) or of a folder of images,
turned into frame jobs for one clip or for Vimeo-style septuplets."""
from collections import deque
from pathlib import Path

from std_plugin.data.prep.frame_task import FrameJob
from std_plugin.data.prep.frames import list_images
from std_plugin.data.prep.meta_info import numbered_key, vimeo_keys
from std_plugin.data.video_reader import TruncatedVideo, Video
from std_plugin.core.errors import DatasetPrepError

SEPTUPLET = 7
MAX_SEPTUPLETS = 9999  # the 4-digit sequence number of a Vimeo key '00001/0001'


def frame_count(path):
    """Frames an input holds, for progress bars only: a video's container count
    may be approximate, and a bad input counts 0 (its error comes with its jobs)."""
    path = Path(path)
    try:
        return len(list_images(path)) if path.is_dir() else Video(path).frame_cnt
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
    try:
        for index, frame in Video(path).frames(start, stop):
            yield f'{path} frame {index}', frame
    except TruncatedVideo as err:
        raise DatasetPrepError(f'{err}; use --max-frames to keep the frames before it') from None


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
