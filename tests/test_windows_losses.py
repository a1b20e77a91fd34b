"""Sliding windows, attention maps, SD and TD losses, the collapse guard."""
import pytest
import torch

from std_plugin.archs.convlstm_arch import PeepholeConvLSTM
from std_plugin.attention_maps import attention_map
from std_plugin.losses.spatial_attention_loss import SpatialAttentionLoss
from std_plugin.losses.temporal_memory_loss import TemporalMemoryLoss, is_frozen
from std_plugin.windows import clip_to_windows, window_indices, windows_to_clip


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


def test_sd_td_gradients_reach_student_and_lstm_never_teacher():
    torch.manual_seed(0)
    student_feat = torch.rand(6, 3, 4, 4, requires_grad=True)
    teacher_feat = torch.rand(6, 3, 4, 4, requires_grad=True)
    lstm = PeepholeConvLSTM(3, 4)
    sd = SpatialAttentionLoss()(student_feat, teacher_feat.detach())
    td = TemporalMemoryLoss()(lstm, student_feat.view(2, 3, 3, 4, 4), teacher_feat.detach().view(2, 3, 3, 4, 4))
    (sd + td).backward()
    assert student_feat.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in lstm.parameters())
    assert teacher_feat.grad is None


def test_collapse_guard_freezes_below_threshold():
    lstm = PeepholeConvLSTM(3, 4)
    for p in lstm.parameters():
        torch.nn.init.zeros_(p)  # the collapsed ConvLSTM: C stays 0 for any input
    loss = TemporalMemoryLoss(freeze_threshold=1e-8)
    assert not is_frozen(lstm)
    loss(lstm, torch.rand(1, 3, 3, 4, 4), torch.rand(1, 3, 3, 4, 4))
    assert is_frozen(lstm)
    assert 'frozen' in lstm.state_dict()  # saved, so a resumed run stays frozen
