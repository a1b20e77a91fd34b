"""Sliding windows, attention maps, SD and TD losses, the collapse guard."""
import pytest
import torch

from std_plugin.archs.convlstm_arch import PeepholeConvLSTM
from std_plugin.distill.attention_maps import attention_map
from std_plugin.distill.distill_diagnostics import gradient_shares, input_sensitivity
from std_plugin.core.windows import clip_to_windows, window_indices, windows_to_clip
from std_plugin.losses.spatial_attention_loss import SpatialAttentionLoss
from std_plugin.losses.temporal_memory_loss import TemporalMemoryLoss, is_frozen


def test_window_indices_replicate_borders():
    assert window_indices(4, 5).tolist() == [[0, 0, 0, 1, 2], [0, 0, 1, 2, 3], [0, 1, 2, 3, 3], [1, 2, 3, 3, 3]]
    with pytest.raises(ValueError, match='odd'):
        window_indices(4, 4)


def test_first_window_repeats_the_first_frame():
    clip = torch.rand(2, 7, 3, 4, 4)
    win = clip_to_windows(clip, 7)
    assert win.shape == (14, 7, 3, 4, 4)
    for j in range(4):  # frames t-3..t of window 0 are all frame 0
        assert torch.equal(win[0, j], clip[0, 0])
    assert torch.equal(win[7 + 6, 6], clip[1, 6])  # last window of sample 1 ends on its last frame
    assert torch.equal(win[7 + 3], clip[1])  # the centre window is the clip itself
    assert torch.equal(windows_to_clip(win, 2)[1, 3], clip[1])


def test_attention_maps_by_hand():
    f = torch.tensor([[1., -2.], [3., 0.5]]).view(1, 2, 1, 2)  # C=2, H=1, W=2
    assert attention_map(f, 'sum').flatten().tolist() == [4.0, 2.5]
    assert attention_map(f, 'sum_sq').flatten().tolist() == [10.0, 4.25]
    assert attention_map(f, 'max_sq').flatten().tolist() == [9.0, 4.0]
    m = attention_map(f, 'sum_sq', 'l2')
    assert torch.allclose(m.square().mean(), torch.tensor(1.0))  # unit RMS
    assert torch.allclose(m[0, 0, 0] / m[0, 0, 1], torch.tensor(10 / 4.25))


def test_sd_value_by_hand_and_zero_for_equal_features():
    fs = torch.ones(2, 3, 1, 2)      # M = 3 everywhere
    ft = torch.full((2, 5, 1, 2), 2.)  # M = 20 everywhere, other channel count
    loss = SpatialAttentionLoss(loss_weight=0.5)
    assert loss(fs, ft).item() == pytest.approx(0.5 * 17 ** 2)
    assert loss(ft, ft).item() == 0
    with pytest.raises(ValueError, match='mapping'):
        SpatialAttentionLoss(mapping='mean')


def test_td_zero_for_equal_features_positive_otherwise():
    torch.manual_seed(0)
    lstm = PeepholeConvLSTM(3, 4)
    feats = torch.rand(2, 5, 3, 6, 6)
    loss = TemporalMemoryLoss(freeze_threshold=0)
    assert loss(lstm, feats, feats).item() == 0
    assert loss(lstm, feats, feats + torch.rand_like(feats)).item() > 0


def test_sd_td_gradients_reach_student_and_lstm():
    torch.manual_seed(0)
    student_feat = torch.rand(6, 3, 4, 4, requires_grad=True)
    teacher_feat = torch.rand(6, 3, 4, 4)
    lstm = PeepholeConvLSTM(3, 4)
    sd = SpatialAttentionLoss()(student_feat, teacher_feat)
    td = TemporalMemoryLoss()(lstm, student_feat.view(2, 3, 3, 4, 4), teacher_feat.view(2, 3, 3, 4, 4))
    (sd + td).backward()
    assert student_feat.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in lstm.parameters())


def test_collapse_guard_freezes_below_threshold():
    lstm = PeepholeConvLSTM(3, 4)
    for p in lstm.parameters():
        torch.nn.init.zeros_(p)  # the collapsed ConvLSTM: C stays 0 for any input
    loss = TemporalMemoryLoss(freeze_threshold=1e-8)
    assert not is_frozen(lstm)
    loss(lstm, torch.rand(1, 3, 3, 4, 4), torch.rand(1, 3, 3, 4, 4))
    assert is_frozen(lstm)
    assert 'frozen' in lstm.state_dict()  # saved, so a resumed run stays frozen


def hand_lstm():
    """1 input and 1 hidden channel, 1x1 kernel: input weights (i, f, c, o) = (1, 0, 2, 0),
    no hidden weights, biases or peepholes, so one step from zero state gives
    C_1 = sigmoid(x) * tanh(2x)."""
    lstm = PeepholeConvLSTM(1, 1, kernel_size=1)
    with torch.no_grad():
        for p in lstm.parameters():
            p.zero_()
        lstm.gates.weight[:, 0, 0, 0] = torch.tensor([1., 0., 2., 0.])
    return lstm


def test_td_by_hand_with_teacher_scaling():
    feats_s = torch.full((1, 1, 1, 2, 2), 1.0)
    feats_t = torch.full((1, 1, 1, 2, 2), 2.0)  # teacher RMS 2: inputs become 0.5 and 1.0
    cell = lambda x: torch.sigmoid(torch.tensor(x)) * torch.tanh(torch.tensor(2 * x))  # noqa: E731
    loss = TemporalMemoryLoss(loss_weight=3.0)(hand_lstm(), feats_s, feats_t)
    assert loss.item() == pytest.approx(3.0 * (cell(0.5) - cell(1.0)).item() ** 2, rel=1e-5)
    raw = TemporalMemoryLoss(normalize=None)(hand_lstm(), feats_s, feats_t)
    assert raw.item() == pytest.approx((cell(1.0) - cell(2.0)).item() ** 2, rel=1e-5)
    with pytest.raises(ValueError, match='normalize'):
        TemporalMemoryLoss(normalize='student')


def test_td_scaling_makes_a_tiny_teacher_visible():
    """Features at EDVR's RMS (~0.01) hardly move an unscaled cell; scaled, the
    same ConvLSTM tells two clips apart."""
    torch.manual_seed(0)
    lstm = PeepholeConvLSTM(4, 4)
    a, b = (0.01 * torch.randn(2, 1, 3, 4, 6, 6)).unbind(0)
    for normalize, low, high in ((None, 0, 0.1), ('teacher', 1, 10)):
        td = TemporalMemoryLoss(normalize=normalize, freeze_threshold=0)
        _, cells = lstm(a / td.scale(a), b / td.scale(a))
        cell_a, cell_b = cells.chunk(2)
        assert low <= ((cell_a - cell_b).norm() / cell_a.norm()).item() <= high


def test_gradient_shares_by_hand():
    x = torch.ones(2, 3, requires_grad=True)
    shares = gradient_shares({'a': (2 * x).sum(), 'b': x.sum(), 'c': torch.tensor(0.)}, x)
    assert shares == pytest.approx({'a': 2 / 3, 'b': 1 / 3, 'c': 0.0})


def test_input_sensitivity_zero_for_a_blind_lstm_linear_for_a_hand_one():
    blind = PeepholeConvLSTM(1, 1, kernel_size=1)
    for p in blind.parameters():
        torch.nn.init.zeros_(p)
    seq = torch.rand(1, 3, 1, 4, 4) + 1
    assert input_sensitivity(blind, seq) == 0
    # hand ConvLSTM, one step: dC/dx = sigmoid'(x) tanh(2x) + 2 sigmoid(x) tanh'(2x) at x = 0.5
    x = torch.tensor(0.5)
    slope = (torch.sigmoid(x) * (1 - torch.sigmoid(x)) * torch.tanh(2 * x)
             + 2 * torch.sigmoid(x) * (1 - torch.tanh(2 * x) ** 2))
    assert input_sensitivity(hand_lstm(), torch.full((1, 1, 1, 8, 8), 0.5), 1e-4) == pytest.approx(slope.item(),
                                                                                                   rel=1e-2)


def test_student_and_teacher_windows_share_centres():
    """A 3-frame student and a 7-frame teacher: row r of both window batches is
    centred on the same frame, so each student output meets the teacher's for
    the same frame."""
    clip = torch.arange(2 * 7, dtype=torch.float).view(2, 7, 1, 1, 1).expand(2, 7, 3, 2, 2)
    s, t = clip_to_windows(clip, 3), clip_to_windows(clip, 7)
    assert torch.equal(s[:, 1], t[:, 3])
    assert s[:, 1, 0, 0, 0].tolist() == list(range(14))


def test_td_of_a_batch_is_the_mean_over_its_clips():
    """Teacher scaling is per clip: L_TD of two clips together equals the mean of
    each alone, as when two processes each hold one (distributed training)."""
    torch.manual_seed(0)
    lstm = PeepholeConvLSTM(3, 4)
    s, t = torch.rand(2, 5, 3, 4, 4), torch.rand(2, 5, 3, 4, 4)
    t[1] *= 30  # clips of very different feature scales
    td = TemporalMemoryLoss(freeze_threshold=0)
    alone = [td(lstm, s[i:i + 1], t[i:i + 1]).item() for i in range(2)]
    assert td(lstm, s, t).item() == pytest.approx(sum(alone) / 2, rel=1e-5)
