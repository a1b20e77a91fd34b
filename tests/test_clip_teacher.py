"""Clip teachers (BasicVSR, IconVSR, BasicVSR++): the per-frame tap, one teacher
call per clip, frame-by-frame alignment with the student, bad input, and STD
with a tiny BasicVSR teacher through BasicSR's train pipeline."""
import json
import os
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from basicsr.archs import build_network
from basicsr.models import build_model
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.cli import bench
from std_plugin.core.taps import FeatureTap
from std_plugin.core.windows import clip_to_windows
from std_plugin.core.errors import OptionError
from tests import tiny_data
from tests.conftest import base_options, run_cli, train_dataset, write_yaml
from tests.test_std_train import losses_by_iter, read_log

FRAMES = 7
LR = 36  # SpyNet needs an LR side above 32
TINY_BASICVSR = dict(type='BasicVSR', num_feat=8, num_block=1, spynet_path=None)


class FrameIndexClipNet(nn.Module):
    """A hand-built clip teacher whose F^SR (the module `fsr`, run once per
    frame) is the mean of its LR input frame, upsampled x4 to 4 channels: each
    map says which frame it came from. `drop_last` returns one frame too few;
    `calls_per_frame` runs `fsr` that many times per frame."""

    def __init__(self, drop_last=False, calls_per_frame=1):
        super().__init__()
        self.drop_last, self.calls_per_frame = drop_last, calls_per_frame
        self.fsr = nn.Identity()
        self.conv_last = nn.Conv2d(4, 3, 1)

    def forward(self, x):
        b, n, _, h, w = x.shape
        outs = []
        for t in range(n - int(self.drop_last)):
            level = F.interpolate(x[:, t].mean(1, keepdim=True), scale_factor=4, mode='nearest')
            for _ in range(self.calls_per_frame):
                feat = self.fsr(level.expand(b, 4, 4 * h, 4 * w))
            outs.append(self.conv_last(feat))
        return torch.stack(outs, dim=1)


if 'FrameIndexClipNet' not in ARCH_REGISTRY:
    ARCH_REGISTRY.register(FrameIndexClipNet)


class Loop(nn.Module):
    """Runs `body` once per frame, as BasicVSR runs conv_hr."""

    def __init__(self):
        super().__init__()
        self.body = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.stack([self.body(x[:, t]) for t in range(x.shape[1])], dim=1)


def expected_maps(net, x):
    """The body's N outputs, computed apart from the tap, in the tap's row order."""
    return torch.stack([net.body(x[:, t]) for t in range(x.shape[1])], dim=1).flatten(0, 1)


@pytest.mark.parametrize('precision', [None, torch.bfloat16])
def test_tap_returns_the_n_outputs_of_a_module_in_call_order(precision):
    torch.manual_seed(0)
    net, x = Loop(), torch.rand(2, 5, 3, 6, 6)
    with FeatureTap(net, 'body') as tap, torch.autocast('cpu', dtype=precision or torch.float32,
                                                        enabled=precision is not None):
        net(x)
        got = tap.take_frames(5)
        want = expected_maps(net, x)
    assert got.shape == (10, 4, 6, 6) and got.dtype == want.dtype == (precision or torch.float32)
    assert torch.equal(got, want)  # row b*5 + t: frame t of clip b
    assert not torch.equal(got[:5], want[:5].flip(0))  # the frames differ, so the order is tested


def test_tap_through_ddp(tmp_path):
    torch.distributed.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1)
    try:
        torch.manual_seed(0)
        net, x = Loop(), torch.rand(1, 4, 3, 6, 6)
        ddp = nn.parallel.DistributedDataParallel(net)
        with FeatureTap(ddp, 'module.body') as tap:
            ddp(x)
            assert torch.equal(tap.take_frames(4), expected_maps(net, x))
    finally:
        torch.distributed.destroy_process_group()


def test_tap_called_other_than_n_times_is_one_line():
    net = Loop()
    with FeatureTap(net, 'body') as tap:
        net(torch.rand(1, 6, 3, 4, 4))
        with pytest.raises(OptionError) as err:
            tap.take_frames(7, 'distill.teacher_layer')
    assert str(err.value) == ("distill.teacher_layer 'body' ran 6 times in one forward of a 7-frame clip; a clip "
                              "teacher's F^SR layer must run once per frame (BasicVSR: conv_hr)")


@pytest.fixture(scope='module')
def clip_data(tmp_path_factory):
    return tiny_data.make_vimeo(str(tmp_path_factory.mktemp('clips')), size=4 * LR)


def model_options(tmp_path, data, network_t, ckpt, **distill):
    opt = base_options('clip', {'vimeo': data}, val=False)
    opt['datasets']['train']['gt_size'] = 4 * LR
    opt['network_t'] = network_t
    opt['path'].update(pretrain_network_t=str(ckpt), models=str(tmp_path), training_states=str(tmp_path))
    opt['network_lstm'] = dict(type='PeepholeConvLSTM', hidden_dim=4, kernel_size=3)
    opt['distill'] = dict(student_layer='conv_hr', **distill)
    opt['train']['sd_opt'] = dict(type='SpatialAttentionLoss', loss_weight=1e-3, mapping='sum_sq')
    opt['train']['td_opt'] = dict(type='TemporalMemoryLoss', loss_weight=1e-2)
    opt['logger']['print_freq'] = 100  # no diagnostics (extra backward passes) in these steps
    opt.update(is_train=True, dist=False, rank=0, world_size=1)
    return opt


def build(tmp_path, data, network_t, **distill):
    torch.manual_seed(0)
    ckpt = tmp_path / 'teacher.pth'
    torch.save({'params': build_network(dict(network_t)).state_dict()}, ckpt)
    return build_model(model_options(tmp_path, data, network_t, ckpt, **distill))


def frame_coded_clips(batch, size):
    """Frame t of clip b is the constant (b*N + t + 1) / 100."""
    codes = (torch.arange(batch * FRAMES, dtype=torch.float32) + 1) / 100
    return codes.view(batch, FRAMES, 1, 1, 1).expand(batch, FRAMES, 3, size, size).contiguous()


def test_teacher_maps_are_aligned_with_the_student_outputs_frame_by_frame(tmp_path, clip_data):
    model = build(tmp_path, clip_data, dict(type='FrameIndexClipNet'), teacher_layer='fsr')
    assert model.reads_clips and model.window_t is None  # probed: no num_frame, one output per frame
    lq = frame_coded_clips(2, 8)
    feat_t = model.teacher_features(lq)
    centres = clip_to_windows(lq, model.window_s)[:, model.window_s // 2]  # the frame each student output is for
    assert feat_t.shape == (14, 4, 32, 32)
    for row in range(14):  # codes are 0.01 apart: a tolerance of 1e-6 still tells every frame apart
        assert torch.allclose(feat_t[row], torch.full_like(feat_t[row], (row + 1) / 100), rtol=0, atol=1e-6)
        assert torch.allclose(centres[row], torch.full_like(centres[row], (row + 1) / 100), rtol=0, atol=1e-6)
    # TD reads the rows of one clip as its frames, in order
    assert torch.equal(feat_t.view(2, FRAMES, 4, 32, 32)[1, 3], feat_t[FRAMES + 3])


def count_calls(net):
    """Wrap net.forward; returns the list of the inputs it is called with."""
    calls, forward = [], net.forward

    def counted(x):
        calls.append(x.clone())
        return forward(x)
    net.forward = counted
    return calls


@pytest.mark.parametrize('chunk', [0, 1])
def test_tiny_basicvsr_runs_once_per_clip_per_iteration(tmp_path, clip_data, chunk):
    model = build(tmp_path, clip_data, dict(TINY_BASICVSR), teacher_chunk=chunk)
    assert model.reads_clips and model.tap_t.path == 'conv_hr'
    calls, hr_calls = count_calls(model.net_t), []
    model.net_t.conv_hr.register_forward_hook(lambda *args: hr_calls.append(1))
    lq = torch.rand(2, FRAMES, 3, LR, LR)
    model.feed_data({'lq': lq, 'gt': torch.rand(2, FRAMES, 3, 4 * LR, 4 * LR)})
    model.optimize_parameters(1)
    assert set(model.log_dict) >= {'l_pix', 'l_sd', 'l_td'}
    assert len(calls) == (1 if chunk == 0 else 2)  # one call for all clips, or one per clip
    assert torch.equal(torch.cat(calls), lq)  # every clip once, whole, in order
    assert len(hr_calls) == FRAMES * len(calls)  # its F^SR layer once per frame of each call


def test_basicvsrpp_teacher_aligns_on_cpu():
    """BasicSR builds BasicVSR++'s deformable alignment only with CUDA (and warns
    that it skips alignment); here it is built everywhere, so a GPU-trained
    checkpoint loads unchanged."""
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        net = build_network(dict(type='BasicVSRPlusPlus', mid_channels=8, num_blocks=1, spynet_path=None))
    assert net.is_with_alignment and sorted(net.deform_align) == ['backward_1', 'backward_2', 'forward_1',
                                                                  'forward_2']
    assert 'deform_align.forward_2.conv_offset.6.weight' in net.state_dict()
    with torch.no_grad():
        assert net(torch.rand(1, 3, 3, 64, 64)).shape == (1, 3, 3, 256, 256)


def test_clip_teacher_returning_too_few_frames_is_one_line(tmp_path, clip_data):
    with pytest.raises(OptionError) as err:
        build(tmp_path, clip_data, dict(type='FrameIndexClipNet', drop_last=True), teacher_layer='fsr',
              teacher_kind='clip')
    assert str(err.value) == ('network_t (FrameIndexClipNet) returned 6 frames for a 7-frame clip; a clip teacher '
                              'must return one frame per input frame, (B, N, C, 4h, 4w)')


def test_clip_teacher_layer_run_twice_per_frame_is_one_line(tmp_path, clip_data):
    with pytest.raises(OptionError, match=r"^distill.teacher_layer 'fsr' ran 14 times in one forward of a "
                                          r"7-frame clip"):
        build(tmp_path, clip_data, dict(type='FrameIndexClipNet', calls_per_frame=2), teacher_layer='fsr')


@pytest.fixture(scope='module')
def basicvsr_ckpt(tmp_path_factory, clip_data):
    """A tiny BasicVSR checkpoint written by BasicSR's own VideoRecurrentModel."""
    root = tmp_path_factory.mktemp('basicvsr')
    opt = base_options('tiny_basicvsr', {'vimeo': clip_data}, iters=1, val=False)
    opt['model_type'] = 'VideoRecurrentModel'
    opt['datasets']['train']['gt_size'] = 4 * LR
    opt['network_g'] = dict(TINY_BASICVSR)
    opt['train'].update(fix_flow=0, flow_lr_mul=0.125)
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(root / 'basicvsr.yml', opt)], cwd=root)
    return str(root / 'experiments' / 'tiny_basicvsr' / 'models' / 'net_g_1.pth')


def train_options(name, data, ckpt, iters):
    opt = base_options(name, {'vimeo': data}, iters=iters, val=False)
    opt['datasets']['train'].update(gt_size=4 * LR, use_hflip=False, use_rot=False, dataset_enlarge_ratio=2)
    opt['network_t'] = dict(TINY_BASICVSR)
    opt['path'].update(pretrain_network_t=ckpt, param_key_t='params')
    opt['network_lstm'] = dict(type='PeepholeConvLSTM', hidden_dim=4, kernel_size=3)
    opt['distill'] = dict(student_layer='conv_hr')  # teacher_layer: conv_hr, the clip teacher default
    opt['train']['sd_opt'] = dict(type='SpatialAttentionLoss', loss_weight=1e-3, mapping='sum_sq')
    opt['train']['td_opt'] = dict(type='TemporalMemoryLoss', loss_weight=1e-2)
    opt['logger']['save_checkpoint_freq'] = 1
    return opt


def test_std_with_a_tiny_basicvsr_teacher_trains_saves_and_resumes(tmp_path, clip_data, basicvsr_ckpt):
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', train_options('run', clip_data,
                                                                                         basicvsr_ckpt, 1))],
            cwd=tmp_path)
    exp = tmp_path / 'experiments' / 'run'
    assert (exp / 'models' / 'net_g_1.pth').is_file() and (exp / 'models' / 'net_lstm_1.pth').is_file()
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', train_options('run', clip_data,
                                                                                         basicvsr_ckpt, 2)),
             '--auto_resume'], cwd=tmp_path)
    log = read_log(exp)
    assert 'Resuming training from epoch' in log
    logged = losses_by_iter(log)
    assert set(logged[1]) == set(logged[2]) == {'l_pix', 'l_sd', 'l_td'}
    assert all(v > 0 for v in logged[2].values())
    assert (exp / 'models' / 'net_g_2.pth').is_file()


def test_cli_tapped_layer_run_twice_is_one_line_exit_2(tmp_path, clip_data, basicvsr_ckpt):
    opt = train_options('bad', clip_data, basicvsr_ckpt, 1)
    opt['distill']['teacher_layer'] = 'spynet'  # runs twice per clip (backward and forward flows)
    proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)], cwd=tmp_path,
                   check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == (
        "std-train: error: distill.teacher_layer 'spynet' ran 2 times in one forward of a 7-frame clip; a clip "
        "teacher's F^SR layer must run once per frame (BasicVSR: conv_hr)")


def test_basicvsrpp_patch_too_small_is_refused(tmp_path, clip_data):
    from std_plugin.training.option_checks import check_options
    opt = model_options(tmp_path, clip_data, dict(type='BasicVSRPlusPlus', mid_channels=8, num_blocks=1),
                        os.devnull)
    with pytest.raises(OptionError, match=r'^datasets.train.gt_size is 144: its LR patch \(36 px\) is smaller than '
                                          r'the 64 px the BasicVSRPlusPlus teacher accepts; expected gt_size >= 256$'):
        check_options(opt)


def test_std_bench_times_window_and_clip_teachers_on_the_same_clips(capsys):
    bench.main(['--device', 'cpu', '--teachers-only', '--teacher', 'tiny', '--clip-teacher', 'tiny-basicvsr',
                '--batch', '1', '--patch', '36', '--runs', '1', '--warmup', '0', '--json'])
    fig = json.loads(capsys.readouterr().out)
    clip = fig['clip_teachers']['tiny BasicVSR']
    assert clip['window_over_clip'] == fig['t_teacher_ms'] / clip['t_teacher_ms']
    assert clip['t_teacher_ms'] == fig['parts']['clip teacher tiny BasicVSR']['timing']['median_ms'] > 0
    assert 'overhead_ratio' not in fig and fig['settings']['windows'] == 7  # teachers only; 1 clip = 7 windows


def test_std_bench_refuses_a_patch_too_small_for_spynet(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(['--device', 'cpu', '--teachers-only', '--clip-teacher', 'basicvsr', '--patch', '32'])
    assert exit_.value.code == 2
    assert 'the BasicVSR teacher needs LR patches of at least 33 px (use --patch 36)' in capsys.readouterr().err
