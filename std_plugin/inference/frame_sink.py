"""Output of inference: one PNG per frame in a folder, and optionally the same
frames as a video, written as they come (nothing is held back in memory).
Frames are encoded in memory and written through Python's files, so that a
full or read-only disk raises an OSError naming its cause (cv2.imwrite only
returns False); the video is reopened and its frames counted before the run
is reported as done (a full disk leaves an unplayable file behind)."""
import os
from contextlib import contextmanager

import cv2

from std_plugin.core.disk_errors import disk_cause, is_disk_error, named_writes, probe_write
from std_plugin.core.errors import InputError


def check_writable(out_dir, video, overwrite):
    """Refuse to mix results with an earlier run's unless --overwrite. (Kinds,
    writability and outputs over inputs are checked by path_args.)"""
    if overwrite:
        return
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        raise InputError(f'--out: {out_dir} exists and is not empty; pass --overwrite to write into it')
    if video and os.path.exists(video):
        raise InputError(f'--video: {video} exists; pass --overwrite to replace it')


def write_png(path, img):
    ok, buf = cv2.imencode('.png', img)
    if not ok:
        raise InputError(f'--out: OpenCV cannot encode a {img.shape} frame as PNG ({path})')
    with named_writes(path), open(path, 'wb') as f:
        f.write(buf.tobytes())


@contextmanager
def native_stderr_silenced():
    """FFmpeg's own lines on a broken file ('moov atom not found') go to file
    descriptor 2, around Python: the one line that says what happened is ours."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def video_frame_count(path):
    """Frames OpenCV decodes from the file (counted by reading, not from the header)."""
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return 0
    count = 0
    with native_stderr_silenced():
        cap = cv2.VideoCapture(path)
        while cap.isOpened() and cap.grab():
            count += 1
        cap.release()
    return count


def video_failure(video):
    """Why OpenCV's writer (which reports nothing) lost frames: the disk, found by
    writing beside the video once more, or else the codec."""
    try:
        probe_write(os.path.dirname(os.path.abspath(video)))
    except OSError as err:
        if is_disk_error(err):
            err.filename = video
            return disk_cause(err)
        raise
    return 'the codec failed'


class FrameSink:

    def __init__(self, out_dir, video=None, fps=25.0, fourcc='mp4v', overwrite=False):
        check_writable(out_dir, video, overwrite)
        os.makedirs(out_dir, exist_ok=True)
        if video and os.path.dirname(video):
            os.makedirs(os.path.dirname(video), exist_ok=True)
        self.out_dir = out_dir
        self.video, self.fps, self.fourcc = video, fps, fourcc
        self.writer = None
        self.written = 0

    def write(self, name, img):
        write_png(os.path.join(self.out_dir, name), img)
        if self.video:
            self.video_writer(img).write(img)
        self.written += 1

    def video_writer(self, img):
        """Opened on the first frame: its size is the video's."""
        if self.writer is None:
            size = (img.shape[1], img.shape[0])
            self.writer = cv2.VideoWriter(self.video, cv2.VideoWriter_fourcc(*self.fourcc), self.fps, size)
            if not self.writer.isOpened():
                raise InputError(f'--video: OpenCV cannot write {self.video} with fourcc {self.fourcc}')
        return self.writer

    def close(self):
        if self.writer is not None:
            self.writer.release()
            self.writer = None

    def verify_video(self):
        """The video holds every frame written; else one line (and the broken file removed)."""
        if not self.video or not self.written:
            return
        found = video_frame_count(self.video)
        if found != self.written:
            cause = video_failure(self.video)  # before the removal frees the space it would find missing
            if os.path.exists(self.video):
                os.remove(self.video)
            raise InputError(f'--video: {cause}: {self.video} reads back {found} of the '
                             f'{self.written} frames written; the video was removed, the PNG frames in '
                             f'{self.out_dir} are complete')

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.close()
        if exc_type is None:
            self.verify_video()
