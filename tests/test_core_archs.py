"""FastDVDnetVSR, the peephole ConvLSTM (against Eq. 1 by hand) and the taps."""
import math
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from basicsr.archs.edvr_arch import EDVR
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.convlstm_arch import PeepholeConvLSTM
from std_plugin.archs.fastdvdnet_vsr_arch import FastDVDnetVSR
from std_plugin.distill.distill_diagnostics import frame_shares
from std_plugin.core.taps import FeatureTap, resolve_module
from tests.conftest import TINY_EDVR, TINY_STUDENT


def tiny_student(**kw):
    opt = {k: v for k, v in TINY_STUDENT.items() if k != 'type'}
    opt.update(kw)
    return FastDVDnetVSR(**opt)


def test_import_registers_plugin_and_keeps_basicsr_names():
    for name in ('FastDVDnetVSR', 'PeepholeConvLSTM', 'EDVR', 'DUF', 'TOFlow'):
        assert ARCH_REGISTRY.get(name) is not None


@pytest.mark.parametrize('scale', [2, 3, 4])
def test_fastdvdnet_shapes_and_fsr(scale):
    net = tiny_student(scale=scale)
    x = torch.rand(2, 7, 3, 8, 12)
    with FeatureTap(net, net.fsr_layer) as tap:
        out = net(x)
        feat = tap.take()
    assert out.shape == (2, 3, 8 * scale, 12 * scale)
    assert feat.shape == (2, 8, 8 * scale, 12 * scale)


def test_fastdvdnet_default_fsr_width_matches_edvr_conv_hr():
    assert FastDVDnetVSR().conv_hr.out_channels == EDVR().conv_hr.out_channels == 64


def test_fastdvdnet_five_frames_and_bad_frame_count():
    assert tiny_student(num_frame=5)(torch.rand(1, 5, 3, 8, 8)).shape == (1, 3, 32, 32)
    with pytest.raises(ValueError, match='7 frames got 5'):
        tiny_student()(torch.rand(1, 5, 3, 8, 8))


def test_stage1_branches_share_one_set_of_weights():
    net = tiny_student().eval()
    x = torch.rand(1, 7, 3, 8, 8)
    calls = []
    net.stage1.register_forward_hook(lambda m, i, o: calls.append(i[0].shape))
    net(x)
    assert calls == [torch.Size([3, 9, 8, 8])]  # one batched call over the 3 triplets
    # Each triplet through the one block equals the block's batched output.
    trip = net.triplets(x)
    assert torch.equal(trip[0], torch.cat([x[0, 0], x[0, 3], x[0, 6]]))  # (t-3, t, t+3)
    assert torch.equal(trip[2], torch.cat([x[0, 2], x[0, 3], x[0, 4]]))  # (t-1, t, t+1)
    assert not any('stage1_' in n for n, _ in net.named_modules())


def test_fastdvdnet_is_a_residual_on_bicubic_of_the_centre_frame():
    net = tiny_student()
    nn.init.zeros_(net.conv_last.weight)
    nn.init.zeros_(net.conv_last.bias)
    x = torch.rand(1, 7, 3, 8, 8)
    expected = F.interpolate(x[:, 3], scale_factor=4, mode='bicubic', align_corners=False)
    assert torch.allclose(net(x), expected)


def test_gradients_reach_every_parameter():
    for net, x in ((tiny_student(), torch.rand(2, 7, 3, 8, 8)),
                   (PeepholeConvLSTM(4, 3), torch.rand(2, 3, 4, 5, 6))):
        out = net(x)
        loss = sum(o.square().mean() for o in (out if isinstance(out, tuple) else (out,)))
        loss.backward()
        dead = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        assert not dead


def sigmoid(v):
    return 1 / (1 + torch.exp(-v))


def test_convlstm_step_matches_equation_1_by_hand():
    """1x1 kernels on a 1-channel 1x1 map: every term of Eq. 1 is a scalar."""
    torch.manual_seed(0)
    lstm = PeepholeConvLSTM(input_dim=1, hidden_dim=1, kernel_size=1)
    w = lstm.gates.weight.detach().view(4, 2)  # rows i, f, c, o; columns (W_f*, W_h*)
    b = lstm.gates.bias.detach()
    wci, wcf, wco = (p.item() for p in (lstm.w_ci, lstm.w_cf, lstm.w_co))
    f_seq = [0.7, -0.4]
    h, c = torch.tensor(0.), torch.tensor(0.)
    for f in f_seq:
        pre = [w[k, 0] * f + w[k, 1] * h + b[k] for k in range(4)]
        i = sigmoid(pre[0] + wci * c)
        fg = sigmoid(pre[1] + wcf * c)
        c = fg * c + i * torch.tanh(pre[2])
        o = sigmoid(pre[3] + wco * c)  # the output peephole sees the NEW cell
        h = o * torch.tanh(c)
    hidden, cell = lstm(torch.tensor(f_seq).view(1, 2, 1, 1, 1))
    assert torch.allclose(hidden.view(()), h, atol=1e-6)
    assert torch.allclose(cell.view(()), c, atol=1e-6)


def test_convlstm_any_spatial_size_and_registered_peepholes():
    lstm = PeepholeConvLSTM(4, 6)
    names = {n for n, _ in lstm.named_parameters()}
    assert {'w_ci', 'w_cf', 'w_co'} <= names
    for hw in ((5, 7), (16, 9)):
        h, c = lstm(torch.rand(2, 3, 4, *hw))
        assert h.shape == c.shape == (2, 6, *hw)


def test_tap_returns_the_tensor_the_module_produced():
    net = EDVR(**{k: v for k, v in TINY_EDVR.items() if k != 'type'}).eval()
    seen = []
    net.conv_hr.register_forward_hook(lambda m, i, o: seen.append(o))
    with FeatureTap(net, 'conv_hr') as tap:
        net(torch.rand(1, 7, 3, 8, 8))
        assert tap.take() is seen[0]


def test_tap_through_dataparallel_and_chunked_calls():
    net = tiny_student()
    wrapped = nn.DataParallel(net)
    tap = FeatureTap(wrapped, 'module.conv_hr')
    net(torch.rand(2, 7, 3, 8, 8))
    net(torch.rand(1, 7, 3, 8, 8))
    assert tap.take().shape[0] == 3
    with pytest.raises(RuntimeError, match='no output'):
        tap.take()


def test_wrong_tap_path_lists_nearest_paths():
    with pytest.raises(KeyError, match="no module 'conv_hrr'.*conv_hr"):
        resolve_module(tiny_student(), 'conv_hrr')


def test_convlstm_forget_bias_moves_only_the_forget_gate_bias():
    torch.manual_seed(0)
    plain = PeepholeConvLSTM(3, 4, forget_bias=0.0)
    torch.manual_seed(0)
    biased = PeepholeConvLSTM(3, 4, forget_bias=2.0)
    diff = (biased.gates.bias - plain.gates.bias).detach()
    assert torch.allclose(diff, torch.tensor([0.0] * 4 + [2.0] * 4 + [0.0] * 8))
    assert torch.equal(biased.gates.weight, plain.gates.weight)


def test_frame_shares_are_the_forget_gate_powers_by_hand():
    """Gates constant (no weights but c <- F): C_T = sum_t f^(T-1-t) i tanh(F_t), so
    perturbing frame t moves the final cell by f^(T-1-t) i delta: shares f^k / sum."""
    lstm = PeepholeConvLSTM(input_dim=1, hidden_dim=1, kernel_size=1, forget_bias=0.0)
    with torch.no_grad():
        lstm.gates.weight.zero_()
        lstm.gates.weight[2, 0] = 1.0          # candidate = tanh(F_t)
        lstm.gates.bias.copy_(torch.tensor([0.0, math.log(3.0), 0.0, 0.0]))  # i = 1/2, f = 3/4
        for w in (lstm.w_ci, lstm.w_cf, lstm.w_co):
            w.zero_()
    seq = torch.full((1, 4, 1, 3, 3), 1e-3)     # tanh' = 1 to 1e-6
    powers = [0.75 ** (3 - t) for t in range(4)]
    expected = [p / sum(powers) for p in powers]
    assert frame_shares(lstm, seq) == pytest.approx(expected, abs=1e-5)
