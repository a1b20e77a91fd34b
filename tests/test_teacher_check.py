"""The teacher check (std-teacher-check; std-compare and train.py run it):
temporal gain = PSNR from the real window - PSNR from the centre frame repeated,
checked on teachers whose answer is known by hand."""
import math
import cv2
import numpy as np
import pytest
import torch
from torch import nn

from std_plugin.cli import teacher_check
from std_plugin.distill.feature_energy import channel_moment, energy_kept, principal_map
from std_plugin.distill.temporal_gain import overall_gain, start_check, temporal_gains, warning_line
from std_plugin.evaluation.teacher_check import check_teacher, render
from std_plugin.core.errors import OptionError
from tests.conftest import add_teacher, base_options, write_yaml

SCALE, SHIFT, FRAMES, K = 2, 1, 6, 1   # LR frame t = the scene rolled by t*SHIFT LR pixels; windows of 3
RGB_PSNR = {'type': 'calculate_psnr', 'crop_border': 0, 'test_y_channel': False}


class CentreOnly(nn.Module):
    """Nearest upsampling of the centre frame: ignores its neighbours."""
    def forward(self, x):
        return nn.functional.interpolate(x[:, x.shape[1] // 2], scale_factor=SCALE, mode='nearest')


class ShiftAverage(nn.Module):
    """Undoes the known motion of each neighbour (a roll of d*SHIFT LR pixels),
    averages the aligned frames and upsamples: independent noise falls by the
    window size, the scene stays exact."""
    def forward(self, x):
        k = x.shape[1] // 2
        aligned = [torch.roll(x[:, i], shifts=-(i - k) * SHIFT, dims=-1) for i in range(x.shape[1])]
        return nn.functional.interpolate(torch.stack(aligned).mean(0), scale_factor=SCALE, mode='nearest')


def noisy_clip(tmp_path):
    """GT = nearest-upsampled scene rolled by t*SHIFT; LR = that scene + integer noise."""
    rng = np.random.default_rng(0)
    scene = rng.integers(60, 190, size=(8, 10, 3))
    noise = rng.integers(-12, 13, size=(FRAMES, 8, 10, 3))
    for t in range(FRAMES):
        lr = np.roll(scene, t * SHIFT, axis=1)
        for folder, img in (('GT', lr.repeat(SCALE, 0).repeat(SCALE, 1)), ('LQ', lr + noise[t])):
            path = tmp_path / folder / 'clip'
            path.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path / f'{t:08d}.png'), img.astype(np.uint8))
    dataset = dict(name='Noisy', type='VideoFolderTestDataset', dataroot_gt=str(tmp_path / 'GT'),
                   dataroot_lq=str(tmp_path / 'LQ'), io_backend=dict(type='disk'), cache_data=False,
                   num_frame=2 * K + 1, padding='replicate')
    return dataset, noise, scene


def psnr_of(err):
    return 10 * math.log10(255 ** 2 / np.mean(np.square(err)))


def test_a_teacher_that_ignores_its_neighbours_gains_nothing(tmp_path):
    dataset, noise, _ = noisy_clip(tmp_path)
    gains = temporal_gains(CentreOnly(), dataset, SCALE, RGB_PSNR)
    assert [g.clip for g in gains] == ['clip'] and gains[0].gain == 0
    assert gains[0].window == pytest.approx([psnr_of(noise[t]) for t in range(FRAMES)])
    assert warning_line(overall_gain(gains)) is not None


def test_a_teacher_that_averages_aligned_frames_gains_what_the_noise_loses(tmp_path):
    dataset, noise, scene = noisy_clip(tmp_path)
    gains = temporal_gains(ShiftAverage(), dataset, SCALE, RGB_PSNR)[0]
    full = range(K, FRAMES - K)  # windows with real neighbours: the average of 3 aligned noises, rounded to uint8
    aligned = [[np.roll(noise[t + d], -d * SHIFT, axis=1) for d in range(-K, K + 1)] for t in full]
    by_hand = [psnr_of(np.round(np.mean(noises, axis=0))) for noises in aligned]
    assert [gains.window[t] for t in full] == pytest.approx(by_hand, abs=1e-9)
    # the centre repeated: the teacher still undoes the motion it expects, and blurs the one frame it has
    lr = [np.roll(scene, t * SHIFT, axis=1) + noise[t] for t in range(FRAMES)]
    blurred = [np.round(np.mean([np.roll(lr[t], -d * SHIFT, axis=1) for d in range(-K, K + 1)], axis=0))
               - np.roll(scene, t * SHIFT, axis=1) for t in full]
    assert [gains.centre[t] for t in full] == pytest.approx([psnr_of(err) for err in blurred], abs=1e-9)
    assert gains.positions == [0, 1, 1, 1, 1, 0]
    positions = gains.by_position()
    assert positions[1] > positions[0] and gains.gain > 0
    assert warning_line(gains.gain) is None


def test_max_frames_scores_full_windows_only(tmp_path):
    dataset, _, _ = noisy_clip(tmp_path)
    gains = temporal_gains(ShiftAverage(), dataset, SCALE, RGB_PSNR, max_frames=2)[0]
    assert gains.positions == [1, 1] and len(gains.window) == 2


def test_teacher_check_option_is_validated():
    with pytest.raises(OptionError, match='distill.teacher_check'):
        start_check({'distill': {'teacher_check': 'yes'}, 'datasets': {}}, CentreOnly(), 'cpu')
    assert start_check({'distill': {'teacher_check': 0}, 'datasets': {'val': {}}}, CentreOnly(), 'cpu') is None


def test_principal_map_takes_the_leading_eigenvectors_and_reports_their_energy():
    moment = torch.diag(torch.tensor([4.0, 1.0, 9.0], dtype=torch.float64))
    basis = principal_map(moment, 2)
    assert torch.allclose(basis.abs(), torch.tensor([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]], dtype=torch.float64))
    assert abs(energy_kept(moment, basis) - 13 / 14) < 1e-12


def test_channel_moment_sums_outer_products_over_every_position():
    seq = torch.zeros(1, 2, 2, 1, 2)  # (B, N, C, H, W): four positions
    seq[0, 0, :, 0, 0] = torch.tensor([1.0, 2.0])
    seq[0, 1, :, 0, 1] = torch.tensor([3.0, 0.0])
    moment = channel_moment(seq)
    assert torch.equal(moment, torch.tensor([[10.0, 2.0], [2.0, 4.0]], dtype=torch.float64))


def test_the_check_of_an_option_file_and_its_console_script(tiny_root, teacher_ckpt, tmp_path, capsys):
    opt = add_teacher(base_options('check', tiny_root), teacher_ckpt)
    report = check_teacher(opt, max_frames=1)
    assert {c.clip for c in report.gains['Vid4']} == {'calendar', 'city'}
    assert report.width_t > report.width_s  # the tiny teacher's F^SR is wider: an adapter is needed
    random_share, best_share = report.energy_shares()
    assert 0 < random_share < best_share <= 1
    assert 'Temporal gain' in '\n'.join(render(report))
    opt_file = write_yaml(tmp_path / 'check.yml', opt)
    out = tmp_path / 'check.md'
    teacher_check.main(['-opt', str(opt_file), '--max-frames', '1', '--out', str(out)])
    printed = capsys.readouterr().out
    assert out.read_text() == printed and '| Vid4 | calendar | 1 |' in printed
    with pytest.raises(SystemExit) as stop:
        teacher_check.main(['-opt', str(opt_file), '--out', str(out)])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().startswith('std-teacher-check: error: --out')
