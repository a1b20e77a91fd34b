"""The one video reader (data/video_reader.py): a video cut in its middle is an
error naming the first frame lost, in std-infer as in std-prep-video."""
import os

import cv2
import numpy as np
import pytest

from std_plugin.cli import infer
from std_plugin.data.video_reader import TruncatedVideo, Video, VideoError
from tests.conftest import TINY_STUDENT
from tests.test_infer_export import arch_args, bad_input_error, save_random

FRAMES, H, W = 10, 24, 32


def frame(i):
    return np.random.default_rng(i).integers(0, 256, (H, W, 3), dtype=np.uint8)


def write_movie(path):
    # MJPG: every frame is a key frame, so frames decode exactly until the cut.
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10, (W, H))
    for i in range(FRAMES):
        writer.write(frame(i))
    writer.release()
    return path


@pytest.fixture
def cut_movie(tmp_path):
    """A movie cut to half its bytes: its container still says 10 frames."""
    movie = write_movie(tmp_path / 'movie.avi')
    movie.write_bytes(movie.read_bytes()[:movie.stat().st_size // 2])
    return movie


def test_a_whole_video_reads_every_frame_in_order(tmp_path):
    video = Video(write_movie(tmp_path / 'movie.avi'))
    frames = list(video.frames())
    assert [i for i, _ in frames] == list(range(FRAMES)) and video.frame_cnt == FRAMES
    # MJPG is lossy: each decoded frame is nearest to the frame written at its index.
    for i, img in frames:
        errors = [np.abs(img.astype(float) - frame(j)).mean() for j in range(FRAMES)]
        assert int(np.argmin(errors)) == i
    assert [i for i, _ in Video(tmp_path / 'movie.avi').frames(3, 6)] == [3, 4, 5]


def test_a_video_cut_in_its_middle_is_an_error_naming_the_first_frame_lost(cut_movie):
    read = []
    with pytest.raises(TruncatedVideo, match=r'movie\.avi: frame (\d) of 10 cannot be decoded') as err:
        for index, _ in Video(cut_movie).frames():
            read.append(index)
    assert 0 < len(read) < FRAMES and f'frame {len(read)} of 10' in str(err.value)
    assert len(list(Video(cut_movie).frames(0, 2))) == 2  # the frames before the cut are fine to ask for


def test_not_a_video(tmp_path):
    (tmp_path / 'fake.mp4').write_bytes(b'not a video')
    with pytest.raises(VideoError, match=r'fake\.mp4: (not a video|no frame decodes)'):
        list(Video(tmp_path / 'fake.mp4').frames())
    with pytest.raises(VideoError, match='input not found'):
        Video(tmp_path / 'missing.mp4')


def test_std_infer_says_the_same_about_a_cut_video(cut_movie, tmp_path, capsys):
    ckpt = str(tmp_path / 'student.pth')
    save_random(TINY_STUDENT, ckpt)
    with pytest.raises(TruncatedVideo) as expected:
        list(Video(cut_movie).frames())
    line = bad_input_error(infer.main, ['--model', ckpt, *arch_args(TINY_STUDENT), '--input', str(cut_movie),
                                        '--out', str(tmp_path / 'sr')], capsys)
    assert line == f'std-infer: error: --input: {expected.value}'
    lost = int(str(expected.value).split('frame ')[1].split(' ')[0])
    # The frames whose whole 7-frame window decoded were written, no frame after the cut.
    assert sorted(os.listdir(tmp_path / 'sr')) == [f'{i:08d}.png' for i in range(max(0, lost - 3))]
