"""The bicubic reference std-compare prints beside its arms: on flat frames
PyTorch bicubic reproduces the LR value exactly, so every frame's PSNR is
20 log10(255 / |GT - LR|), and the average is over each clip's frames, then
over clips, as BasicSR's video validation averages."""
import math

import cv2
import numpy as np
import pytest

from std_plugin.evaluation.bicubic_reference import bicubic_scores, references

PSNR_RGB = dict(psnr=dict(type='calculate_psnr', crop_border=0, test_y_channel=False))


def write_clip(root, clip, lq_values, gt_values):
    for i, (lq, gt) in enumerate(zip(lq_values, gt_values)):
        for sub, value, size in (('LQ', lq, 8), ('GT', gt, 32)):
            folder = root / sub / clip
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f'{i:08d}.png'), np.full((size, size, 3), value, np.uint8))


def flat_clips(tmp_path):
    # clip a: two frames 10 grey levels off; clip b: one frame 5 levels off
    write_clip(tmp_path, 'a', [100, 120], [110, 110])
    write_clip(tmp_path, 'b', [50], [55])
    return dict(name='Flat', type='VideoFolderTestDataset', dataroot_gt=str(tmp_path / 'GT'),
                dataroot_lq=str(tmp_path / 'LQ'), io_backend=dict(type='disk'), cache_data=False, num_frame=3,
                padding='replicate')


def test_flat_frames_by_hand(tmp_path):
    scores = bicubic_scores(flat_clips(tmp_path), 4, PSNR_RGB)
    clip_a, clip_b = 20 * math.log10(255 / 10), 20 * math.log10(255 / 5)
    assert scores['psnr'] == pytest.approx((clip_a + clip_b) / 2, abs=1e-6)


def test_references_name_every_validation_set(tmp_path):
    ds = flat_clips(tmp_path)
    opt = dict(scale=4, val=dict(metrics=PSNR_RGB),
               datasets=dict(train=dict(name='T'), val=ds, val_2=dict(ds, name='Again')))
    refs = references(opt)
    assert set(refs) == {'Flat', 'Again'} and refs['Flat'] == refs['Again']
    assert isinstance(refs['Flat']['psnr'], float)


def test_relative_paths_are_read_from_the_run_root(tmp_path, monkeypatch):
    """std-compare --root R: its runs start in R, and so must the reference (it
    used to read R's relative paths from the current folder and divide by zero)."""
    ds = dict(flat_clips(tmp_path), dataroot_gt='GT', dataroot_lq='LQ')
    opt = dict(scale=4, val=dict(metrics=PSNR_RGB), datasets=dict(val=ds))
    monkeypatch.chdir(tmp_path.parent)  # anywhere but the root
    clip_a, clip_b = 20 * math.log10(255 / 10), 20 * math.log10(255 / 5)
    assert references(opt, str(tmp_path))['Flat']['psnr'] == pytest.approx((clip_a + clip_b) / 2, abs=1e-6)
