"""MAC counting against hand counts, meta against real counting, the paper's
figures, and std-profile end to end (in-process)."""
import json
import warnings

import pytest
import torch
from torch import nn
from torchvision.ops import DeformConv2d

from std_plugin.cli import profile
from std_plugin.evaluation import profile as profiling
from std_plugin.evaluation.flops import count_macs


def conv_hand_count(batch, out, conv):
    """out_h * out_w * C_out * C_in / groups * kh * kw per batch element."""
    kh, kw = conv.kernel_size
    return batch * out.shape[2] * out.shape[3] * conv.out_channels * conv.in_channels // conv.groups * kh * kw


@pytest.mark.parametrize('on_meta', [True, False])
def test_conv2d_equals_hand_count(on_meta):
    conv = nn.Conv2d(6, 8, (3, 5), stride=2, padding=1, groups=2)
    x = torch.rand(2, 6, 11, 13)
    assert count_macs(conv, x, on_meta=on_meta) == conv_hand_count(2, conv(x), conv) == 2 * 6 * 6 * 8 * 3 * 15


@pytest.mark.parametrize('use_mask', [True, False])
@pytest.mark.parametrize('on_meta', [True, False])
def test_deform_conv2d_equals_hand_count(use_mask, on_meta):
    conv = DeformConv2d(4, 6, 3, stride=1, padding=1, groups=2)
    x = torch.rand(3, 4, 7, 9)
    offset = torch.randn(3, 2 * 2 * 9, 7, 9)  # 2 offset groups
    mask = torch.rand(3, 2 * 9, 7, 9) if use_mask else None
    out = conv(x, offset, mask)
    hand = conv_hand_count(3, out, conv)
    assert count_macs(conv, x, offset, mask, on_meta=on_meta) == hand
    # bilinear sampling: 4 MACs per sampled value (C_in x taps x output pixels), +1 for the mask
    sampled = 3 * 7 * 9 * 4 * 9
    assert count_macs(conv, x, offset, mask, sampling=True, on_meta=on_meta) == hand + sampled * (4 + use_mask)


@pytest.fixture(scope='module')
def profile_nets():
    torch.manual_seed(0)
    return {net.name: profiling.build(net) for net in profiling.NETWORKS}


@pytest.mark.parametrize('name', [net.name for net in profiling.NETWORKS])
def test_meta_count_equals_real_count(profile_nets, name):
    """Counting on meta answers data-dependent branches with 0: check it does
    not change the count of any network in the table (and needs no fallback)."""
    net, frames = profile_nets[name]
    side = profiling.min_side(next(n for n in profiling.NETWORKS if n.name == name))  # SpyNet-based: > 32 px
    x = torch.rand(1, frames, 3, max(16, side), max(20, side))
    with warnings.catch_warnings():
        warnings.filterwarnings('error', message='count_macs')
        meta = count_macs(net, x, sampling=True)
    assert meta == count_macs(net, x, sampling=True, on_meta=False) > 0


# The STD supplement's FLOPs (T, 180x120 input), and how close our count must come.
PAPER = {'VDSR': (0.22, 0.06), 'EDVR-L': (0.93, 0.15), 'DUF': (0.62, 0.02), 'TOFlow': (0.81, 0.02)}


@pytest.mark.parametrize('name', list(PAPER))
def test_counts_match_the_paper_at_180x120(profile_nets, name):
    paper, tolerance = PAPER[name]
    net, frames = profile_nets[name]
    tmacs = count_macs(net, torch.rand(1, frames, 3, 120, 180)) / 1e12
    assert abs(tmacs - paper) <= tolerance * paper


def test_fastdvdnet_is_compact_at_180x120(profile_nets):
    net, frames = profile_nets['FastDVDnetVSR']
    tmacs = count_macs(net, torch.rand(1, frames, 3, 120, 180)) / 1e12
    assert 0.02 <= tmacs <= 0.09  # the supplement lists 0.06


def test_std_profile_json(capsys):
    profile.main(['--json', '--size', '16x8', '--runs', '1', '--warmup', '0'])
    rows = json.loads(capsys.readouterr().out)
    assert [r['name'] for r in rows] == [net.name for net in profiling.NETWORKS if profiling.min_side(net) <= 8]
    for row in rows:
        assert {'name', 'frames', 'params', 'macs', 'ms'} <= set(row)
        assert row['params'] > 0 and row['macs'] > 0 and row['ms'] > 0
    vdsr = next(r for r in rows if r['name'] == 'VDSR')
    # 20 layers 3->64, 18 x 64->64, 64->3 (3x3) on the 64x32 upsampled frame
    assert vdsr['frames'] == 1
    assert vdsr['macs'] == 64 * 32 * 9 * (3 * 64 + 18 * 64 * 64 + 64 * 3)


def test_clip_networks_are_counted_per_output_frame(capsys):
    """A clip network's forward gives 7 frames: its row is the clip's count / 7.
    Below its smallest input (SpyNet: more than 32 px a side) it is skipped with a note."""
    profile.main(['--json', '--no-time', '--only', 'BasicVSR', '--size', '36x36'])
    row = json.loads(capsys.readouterr().out)[0]
    net, frames = profiling.build(profiling.NETWORKS[[n.name for n in profiling.NETWORKS].index('BasicVSR')])
    clip = count_macs(net, torch.rand(1, 7, 3, 36, 36))
    assert (row['frames'], row['outputs'], row['macs']) == (7, 7, round(clip / 7))
    # by hand, per frame (LR 36x36, 64 features, 30 residual blocks of 2 convs per trunk, 3x3 unless said):
    lr, hr2, hr4 = 36 * 36, 72 * 72, 144 * 144
    trunks = 2 * (lr * 64 * 67 * 9 + 30 * 2 * lr * 64 * 64 * 9)  # backward and forward: (3 + 64) -> 64, blocks
    fusion = lr * 64 * 128  # 1x1
    upsampling = lr * 256 * 64 * 9 + hr2 * 256 * 64 * 9 + hr4 * 64 * 64 * 9 + hr4 * 3 * 64 * 9
    # plus SpyNet, 2 flows (forward, backward) for each of the 6 neighbour pairs
    pair = count_macs(net.spynet, torch.rand(1, 3, 36, 36), torch.rand(1, 3, 36, 36))
    assert clip == 7 * (trunks + fusion + upsampling) + 12 * pair
    profile.main(['--json', '--no-time', '--only', 'BasicVSR,VDSR', '--size', '32x32'])
    captured = capsys.readouterr()
    assert [r['name'] for r in json.loads(captured.out)] == ['VDSR']
    assert 'skipped BasicVSR: it needs an LR input of at least 33 px a side' in captured.err


def test_std_profile_table_without_timing(capsys):
    profile.main(['--no-time', '--only', 'VDSR,VSRNet', '--size', '16x8'])
    out = capsys.readouterr().out
    assert 'VDSR' in out and 'VSRNet' in out and 'EDVR' not in out
    assert 'not timed' in out


@pytest.mark.parametrize('argv, message', [(['--size', '18x8'], 'multiples of 4'), (['--size', 'big'], 'WxH'),
                                           (['--only', 'SRCNN'], 'unknown network')])
def test_std_profile_rejects_bad_options(capsys, argv, message):
    with pytest.raises(SystemExit):
        profile.main(argv)
    assert message in capsys.readouterr().err


def test_std_profile_skips_unregistered_networks(capsys, monkeypatch):
    """A row whose arch is not registered (a student not written yet) is left
    out with a note; the others still come."""
    missing = profiling.Network('Missing', dict(type='NoSuchArch'), None)
    monkeypatch.setattr(profiling, 'NETWORKS', [missing] + profiling.NETWORKS)
    profile.main(['--json', '--no-time', '--only', 'Missing,VDSR', '--size', '16x8'])
    captured = capsys.readouterr()
    assert [r['name'] for r in json.loads(captured.out)] == ['VDSR']
    assert 'skipped Missing' in captured.err
