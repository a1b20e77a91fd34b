"""STDModel in-process: one optimisation step, the frozen teacher, the collapse guard."""

import torch

from basicsr.models import build_model
from tests.conftest import add_teacher, base_options


def build(tmp_path, tiny_root, teacher_ckpt, **distill):
    opt = add_teacher(base_options('m', tiny_root, val=False), teacher_ckpt)
    opt['distill'].update(distill)
    opt.update(is_train=True, dist=False, rank=0, world_size=1)
    opt['path'].update(models=str(tmp_path), training_states=str(tmp_path))
    model = build_model(opt)
    torch.manual_seed(0)
    model.feed_data({'lq': torch.rand(2, 7, 3, 8, 8), 'gt': torch.rand(2, 7, 3, 32, 32)})
    return model


def params(net):
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def test_step_updates_student_and_lstm_never_teacher(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt)
    g0, l0, t0 = params(model.net_g), params(model.net_lstm), params(model.net_t)
    model.optimize_parameters(1)
    assert set(model.log_dict) == {'l_pix', 'l_sd', 'l_td'}
    assert any(not torch.equal(g0[k], v) for k, v in params(model.net_g).items())
    assert any(not torch.equal(l0[k], v) for k, v in params(model.net_lstm).items())
    assert all(torch.equal(t0[k], v) for k, v in params(model.net_t).items())
    assert all(p.grad is None and not p.requires_grad for p in model.net_t.parameters())
    assert not model.net_t.training


def test_teacher_features_hold_no_autograd_state(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt, teacher_chunk=3)
    feat = model.teacher_features(model.lq)
    assert feat.shape == (14, 64, 32, 32)  # 2 clips x 7 windows, chunked by 3
    assert feat.grad_fn is None and not feat.requires_grad


def test_lstm_stops_updating_once_td_is_below_threshold(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt)
    for p in model.net_lstm.parameters():
        torch.nn.init.zeros_(p)  # collapsed: L_TD == 0 < 1e-8
    model.optimize_parameters(1)
    assert bool(model.net_lstm.frozen)
    frozen = params(model.net_lstm)
    g1 = params(model.net_g)
    for it in (2, 3):
        model.optimize_parameters(it)
    assert all(torch.equal(frozen[k], v) for k, v in params(model.net_lstm).items())
    assert any(not torch.equal(g1[k], v) for k, v in params(model.net_g).items())


def test_validation_tap_does_not_keep_features(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt)
    model.feed_data({'lq': torch.rand(1, 7, 3, 8, 8)})
    model.test()
    assert model.tap_s._outputs == []
