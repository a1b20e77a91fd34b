"""Frames of a video file, decoded in order with mmcv's VideoReader: the one
video reader of std-infer and std-prep-video.

The decoder just stops at the first frame it cannot decode, so a video cut or
corrupt from its middle on would read as a shorter video. The frames decoded
are therefore compared with the container's frame count, and a shortfall is
an error naming the first frame lost, never a result made of the readable part.
"""
import itertools
import os

from mmcv import VideoReader

from std_plugin.core.errors import DatasetPrepError, InputError


class VideoError(InputError, DatasetPrepError):
    """A video that cannot be opened or decodes fewer frames than it holds: bad
    input to std-infer and to the dataset scripts alike."""


class TruncatedVideo(VideoError):
    """A video whose frames stop decoding before its container's count."""


class Video:
    """A video file opened for reading in order; `frame_cnt` and `fps` are the
    container's (the count may be approximate, frames() checks it)."""

    def __init__(self, path):
        self.path = str(path)
        if not os.path.isfile(self.path):
            raise VideoError(f'{self.path}: input not found')
        self.reader = VideoReader(self.path)
        if not self.reader.opened:
            raise VideoError(f'{self.path}: not a video OpenCV can decode')
        self.frame_cnt = self.reader.frame_cnt
        self.fps = self.reader.fps

    def frames(self, start=0, stop=None):
        """Yield (index, frame) for the frames from `start` up to `stop` (None:
        the end), in order; raise TruncatedVideo when the decoder stops before
        the container's count (or `stop`, when that is smaller)."""
        index = start - 1
        for index, frame in itertools.islice(enumerate(self.reader), start, stop):
            yield index, frame
        if index < start:
            where = f'from frame {start} on (empty, truncated, or shorter)' if start else '(empty or truncated)'
            raise VideoError(f'{self.path}: no frame decodes {where}')
        expected = self.frame_cnt if stop is None else min(self.frame_cnt, stop)
        if index + 1 < expected:
            raise TruncatedVideo(f'{self.path}: frame {index + 1} of {self.frame_cnt} cannot be decoded '
                                 '(truncated or corrupt video)')
