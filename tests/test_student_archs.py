"""The paper's other students (VDSR, VESPCN, VSRNet) next to FastDVDnetVSR:
the student contract, gradients, F^SR, and VESPCN's motion compensation."""
import math

import pytest
import torch

from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.vespcn_arch import VESPCN
from std_plugin.archs.vsrnet_arch import VSRNet
from std_plugin.core.taps import FeatureTap
from tests.conftest import TINY_STUDENT

# name -> (constructor options of a tiny net, channels of its F^SR)
TINY = {
    'VDSR': (dict(num_feat=8, num_layer=4), 8),
    'VESPCN': (dict(num_feat=8, num_layer=3, num_feat_hr=4, num_flow_feat=4), 4),
    'VSRNet': (dict(num_frame=5, num_feat=4, num_fuse_feat=6, kernel_sizes=(3, 3, 3)), 6),
    'FastDVDnetVSR': ({k: v for k, v in TINY_STUDENT.items() if k != 'type'}, TINY_STUDENT['num_feat']),
}


def build(name, **kw):
    torch.manual_seed(0)
    return ARCH_REGISTRY.get(name)(**dict(TINY[name][0], **kw))


def window(net, batch=2, h=8, w=12):
    return torch.rand(batch, net.num_frame, 3, h, w)


@pytest.mark.parametrize('name', list(TINY))
def test_output_and_fsr_shapes(name):
    net = build(name)
    x = window(net)
    with FeatureTap(net, net.fsr_layer) as tap:
        out = net(x)
        feat = tap.take()
    assert out.shape == (2, 3, 32, 48)
    assert feat.shape == (2, TINY[name][1], 32, 48)


@pytest.mark.parametrize('name', list(TINY))
def test_gradients_reach_every_parameter(name):
    net = build(name)
    net(window(net)).square().mean().backward()
    dead = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not dead


@pytest.mark.parametrize('name', ['VDSR', 'VESPCN', 'VSRNet'])
def test_wrong_frame_count_fails_clearly(name):
    net = build(name)
    with pytest.raises(ValueError, match=f'{name} expects input \\(B, {net.num_frame}'):
        net(torch.rand(1, net.num_frame + 2, 3, 8, 8))


@pytest.mark.parametrize('name', ['VDSR', 'VESPCN', 'VSRNet'])
def test_residual_is_added_to_bicubic_of_centre_frame(name):
    """With the last layer zeroed, the output is bicubic(centre frame)."""
    net = build(name)
    last = net.conv_last if hasattr(net, 'conv_last') else net.conv3
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    x = window(net)
    expected = torch.nn.functional.interpolate(x[:, net.num_frame // 2], scale_factor=4, mode='bicubic')
    torch.testing.assert_close(net(x), expected)


def test_vsrnet_ties_first_layer_of_symmetric_frames():
    """Filter symmetry enforcement: frames t-d and t+d share one filter bank."""
    net = build('VSRNet', num_frame=7)
    assert len(net.conv1.banks) == 4
    x = torch.rand(1, 7 * 3, 16, 16)
    x[:, 18:21] = x[:, 0:3]  # frame t+3 := frame t-3
    per_frame = net.conv1(x).chunk(7, dim=1)
    torch.testing.assert_close(per_frame[6], per_frame[0])
    assert not torch.allclose(per_frame[5], per_frame[1])


def smooth_frame(h=16, w=20):
    torch.manual_seed(1)
    coarse = torch.rand(1, 3, h // 4, w // 4)
    return torch.nn.functional.interpolate(coarse, size=(h, w), mode='bicubic', align_corners=False)


def set_constant_flow(head, flow_xy, max_flow):
    """Zero the last conv of a flow head and set its bias so that, after tanh
    and pixel shuffle, the head outputs flow_xy (pixels) everywhere."""
    last = head[-3]
    torch.nn.init.zeros_(last.weight)
    per_channel = last.out_channels // 2  # pixel shuffle: first half -> x, second -> y
    with torch.no_grad():
        for i, value in enumerate(flow_xy):
            last.bias[i * per_channel:(i + 1) * per_channel] = math.atanh(value / max_flow)


def tiny_vespcn():
    return build('VESPCN')


def test_vespcn_zero_flow_is_identity():
    net = tiny_vespcn()
    for head in (net.motion.coarse, net.motion.fine):
        set_constant_flow(head, (0.0, 0.0), net.motion.max_flow)
    x = torch.rand(2, 3, 3, 8, 12)
    frames, flows = net.compensate(x)
    assert torch.count_nonzero(flows) == 0
    torch.testing.assert_close(frames, x)


@pytest.mark.parametrize('coarse, fine', [((2.0, 1.0), (0.0, 0.0)), ((1.0, 0.0), (1.0, 1.0))])
def test_vespcn_warps_shifted_neighbours_onto_the_centre(coarse, fine):
    """Neighbours are the centre frame moved by (2, 1) px; a flow of (2, 1),
    coarse alone or coarse + fine, must bring them back onto the centre."""
    net = tiny_vespcn()
    set_constant_flow(net.motion.coarse, coarse, net.motion.max_flow)
    set_constant_flow(net.motion.fine, fine, net.motion.max_flow)
    centre = smooth_frame()
    moved = torch.roll(centre, shifts=(1, 2), dims=(2, 3))  # content moved by dx=2, dy=1
    frames, flows = net.compensate(torch.stack((moved, centre, moved), dim=1))
    torch.testing.assert_close(flows[:, :, 0], torch.full_like(flows[:, :, 0], 2.0))
    torch.testing.assert_close(flows[:, :, 1], torch.full_like(flows[:, :, 1], 1.0))
    inside = (..., slice(0, -1), slice(0, -2))  # rows/columns that roll wrapped around are not comparable
    assert (moved - centre)[inside].abs().max() > 0.05
    for t in (0, 2):
        torch.testing.assert_close(frames[:, t][inside], centre[inside], atol=1e-4, rtol=0)
    torch.testing.assert_close(frames[:, 1], centre)


def test_vespcn_needs_sizes_divisible_by_4():
    net = tiny_vespcn()
    with pytest.raises(ValueError, match='multiples of 4'):
        net(torch.rand(1, 3, 3, 10, 12))


def test_vespcn_and_vsrnet_reject_even_frame_counts():
    with pytest.raises(ValueError, match='odd num_frame'):
        VESPCN(num_frame=4)
    with pytest.raises(ValueError, match='odd num_frame'):
        VSRNet(num_frame=6)
