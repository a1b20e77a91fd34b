"""Output of inference: one PNG per frame in a folder, and optionally the same
frames as a video, written as they come (nothing is held back in memory)."""
import os

import cv2

from std_plugin.input_error import InputError


def check_writable(out_dir, video, overwrite):
    """Refuse to mix results with an earlier run's unless --overwrite."""
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
