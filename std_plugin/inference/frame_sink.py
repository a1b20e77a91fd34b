"""Output of inference: one PNG per frame in a folder, and optionally the same
frames as a video, written as they come (nothing is held back in memory)."""
import os

import cv2

from std_plugin.training.errors import InputError


def real(path):
    return os.path.realpath(os.path.abspath(path))


def is_within(path, folder):
    """True when `path` is `folder` or lies inside it (links resolved)."""
    path, folder = real(path), real(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_not_input(input_path, out_dir, video):
    """Outputs must never land on the input, whatever --overwrite says: frames
    keep the input's names, so --out equal to the input folder would replace
    the LR frames with SR ones."""
    if os.path.isdir(input_path) and (is_within(out_dir, input_path) or is_within(input_path, out_dir)):
        raise InputError(f'--out: {out_dir} is, contains or lies inside the --input folder {input_path}; '
                         'expected a separate folder (the input frames would be overwritten or mixed with results)')
    if os.path.isfile(input_path) and video and real(video) == real(input_path):
        raise InputError(f'--video: {video} is the --input video; expected another file name')


def check_writable(out_dir, video, overwrite):
    """Refuse to mix results with an earlier run's unless --overwrite."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise InputError(f'--out: {out_dir} is a file; expected a folder for the PNG frames')
    if video and os.path.isdir(video):
        raise InputError(f'--video: {video} is a folder; expected a video file name such as sr.mp4')
    if overwrite:
        return
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        raise InputError(f'--out: {out_dir} exists and is not empty; pass --overwrite to write into it')
    if video and os.path.exists(video):
        raise InputError(f'--video: {video} exists; pass --overwrite to replace it')


class FrameSink:

    def __init__(self, out_dir, video=None, fps=25.0, fourcc='mp4v', overwrite=False):
        check_writable(out_dir, video, overwrite)
        os.makedirs(out_dir, exist_ok=True)
        if video and os.path.dirname(video):
            os.makedirs(os.path.dirname(video), exist_ok=True)
        self.out_dir = out_dir
        self.video, self.fps, self.fourcc = video, fps, fourcc
        self.writer = None

    def write(self, name, img):
        path = os.path.join(self.out_dir, name)
        if not cv2.imwrite(path, img):
            raise InputError(f'--out: cannot write {path}')
        if self.video:
            self.video_writer(img).write(img)

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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
