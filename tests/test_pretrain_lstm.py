"""std-pretrain-lstm pretrains the ConvLSTM on teacher F^SR scaled the way
L_TD will scale it (train.td_opt.normalize)."""
import torch

from std_plugin.distill import lstm_pretraining


def pretrained_gates(monkeypatch, seq, normalize):
    def sequences(opt, device):
        while True:
            yield seq.shape[2], seq
    monkeypatch.setattr(lstm_pretraining, 'teacher_sequences', sequences)
    opt = {'network_lstm': {'type': 'PeepholeConvLSTM', 'hidden_dim': 4, 'kernel_size': 3},
           'train': {'td_opt': {'type': 'TemporalMemoryLoss', 'normalize': normalize}}}
    torch.manual_seed(0)
    return lstm_pretraining.pretrain(opt, 3, 1e-3, torch.device('cpu'))[0].gates.weight.detach()


def test_pretraining_sees_unit_rms_inputs_when_td_normalizes_by_the_teacher(monkeypatch):
    seq = torch.randn(2, 4, 6, 8, 8, generator=torch.Generator().manual_seed(1)) * 0.01
    small = pretrained_gates(monkeypatch, seq, 'teacher')
    large = pretrained_gates(monkeypatch, seq * 100, 'teacher')
    assert torch.allclose(small, large, atol=1e-5)  # the ConvLSTM sees seq / RMS(seq) in both


def test_unnormalized_td_pretrains_on_raw_features(monkeypatch):
    seq = torch.randn(2, 4, 6, 8, 8, generator=torch.Generator().manual_seed(1)) * 0.01
    small = pretrained_gates(monkeypatch, seq, None)
    large = pretrained_gates(monkeypatch, seq * 100, None)
    assert not torch.allclose(small, large, atol=1e-3)
