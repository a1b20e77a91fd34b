"""Input frames for inference, read lazily from a video file (in order, with
the dataset scripts' reader) or a folder of images, and streamed as sliding windows so that
at most one window of frames is in memory, whatever the video's length."""
import os

import cv2

from std_plugin.data.video_reader import Video, VideoError
from std_plugin.core.windows import window_indices
from std_plugin.core.errors import InputError
from std_plugin.core.frame_files import IMAGE_EXTENSIONS, list_frames


class FolderFrames:
    """The frames of a folder in natural order (f2 before f10: list_frames);
    output names keep the stem, as PNG."""

    def __init__(self, folder):
        files = list_frames(folder)
        if not files:
            raise InputError(f'--input: folder {folder} holds no image ({", ".join(IMAGE_EXTENSIONS)})')
        self.paths = [str(f) for f in files]
        self.names = [f.stem + '.png' for f in files]
        self.fps = None

    def __len__(self):
        return len(self.paths)

    def read(self, index):
        img = cv2.imread(self.paths[index], cv2.IMREAD_COLOR)
        if img is None:
            raise InputError(f'--input: cannot read image {self.paths[index]}')
        return img


class VideoFrames:
    """Frames of a video file, named %08d.png (REDS style) on output. Frames are
    decoded in order, as sliding_windows loads them (each once, in order); the
    last one read can be read again. A frame that does not decode is an error
    naming it, when it is reached."""

    def __init__(self, path):
        try:
            self.video = Video(path)
        except VideoError as err:
            raise InputError(f'--input: {err}') from None
        count = self.video.frame_cnt
        if count <= 0:
            raise InputError(f'--input: {path} is not a video OpenCV can decode (or it has no frame)')
        self.names = [f'{i:08d}.png' for i in range(count)]
        self.fps = self.video.fps
        self._frames = self.video.frames()
        self._last = (-1, None)

    def __len__(self):
        return len(self.names)

    def read(self, index):
        if index < self._last[0]:
            raise ValueError(f'video frames are read in order: frame {index} after frame {self._last[0]}')
        try:
            while self._last[0] < index:
                self._last = next(self._frames)
        except VideoError as err:
            raise InputError(f'--input: {err}') from None
        return self._last[1]


def open_frames(path):
    if os.path.isdir(path):
        return FolderFrames(path)
    if os.path.isfile(path):
        return VideoFrames(path)
    raise InputError(f'--input: {path} does not exist')


def sliding_windows(count, window, load):
    """Yields (t, [load(i) for i in t's window]) for t < count, borders
    replicated. Frames are loaded once each, in order, and dropped as soon as
    no later window needs them."""
    buffer = {}
    for t, indices in enumerate(window_indices(count, window).tolist()):
        for i in indices:
            if i not in buffer:
                buffer[i] = load(i)
        for i in [i for i in buffer if i < indices[0]]:
            del buffer[i]
        yield t, [buffer[i] for i in indices]
