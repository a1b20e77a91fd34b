"""The one frame-listing rule: which files of a folder are frames, and their natural order."""
import pytest

from std_plugin.data.prep.frames import list_images, list_subfolders
from std_plugin.evaluation.frame_pairs import frames_of_clip
from std_plugin.inference.frame_source import FolderFrames
from std_plugin.core.errors import DatasetPrepError
from std_plugin.core.frame_files import list_clip_folders, list_frames
from std_plugin.training.frame_sizes import first_image


def touch(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b'')
    return folder


def test_frames_come_in_natural_order_and_other_files_are_ignored(tmp_path):
    touch(tmp_path, [f'f{i}.png' for i in (12, 3, 1, 10, 2, 11, 4, 5, 6, 7, 8, 9)])
    touch(tmp_path, ['._f1.png', '.f2.png.partial-7', 'notes.txt', 'clip.mp4', 'meta_info.txt'])
    touch(tmp_path / 'f0.png', [])  # a folder named like a frame is not one
    assert [p.name for p in list_frames(tmp_path)] == [f'f{i}.png' for i in range(1, 13)]


def test_extensions_any_case_and_ties_broken_by_name(tmp_path):
    touch(tmp_path, ['b.PNG', 'a.jpeg', 'c.WebP', 'd.tif', 'e.gif', 'im01.bmp', 'im1.bmp', 'im001.bmp'])
    # im001, im01 and im1 share a natural key (1): the name decides, never the listing order.
    assert [p.name for p in list_frames(tmp_path)] == ['a.jpeg', 'b.PNG', 'c.WebP', 'd.tif',
                                                       'im001.bmp', 'im01.bmp', 'im1.bmp']


def test_clip_folders_natural_order_without_hidden_ones(tmp_path):
    for name in ('clip10', 'clip2', '.cache', 'clip1'):
        (tmp_path / name).mkdir()
    touch(tmp_path, ['clip0.png'])
    assert [p.name for p in list_clip_folders(tmp_path)] == ['clip1', 'clip2', 'clip10']


def test_every_reader_uses_the_rule(tmp_path):
    clip = touch(tmp_path / 'clip2', ['im10.png', 'im2.png', 'im1.png', '._im0.png', 'readme.txt'])
    touch(tmp_path / 'clip10', ['im1.png'])
    expected = ['im1.png', 'im2.png', 'im10.png']
    assert [p.name for p in list_images(clip)] == expected  # std-prep-*
    assert FolderFrames(str(clip)).names == expected  # std-infer
    assert [f.sr_names[0][1] for f in frames_of_clip(str(tmp_path), 'clip2')] == ['im1', 'im2', 'im10']  # std-table
    assert first_image(str(tmp_path)) == 'clip2/im1.png'  # frame-size checks: clip2 before clip10
    assert [p.name for p in list_subfolders(tmp_path)] == ['clip2', 'clip10']
    with pytest.raises(DatasetPrepError, match='no images'):
        list_images(touch(tmp_path / 'empty', ['._x.png']))
