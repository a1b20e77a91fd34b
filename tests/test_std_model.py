"""STDModel in-process: one optimisation step, the frozen teacher, the collapse guard."""

import torch

from basicsr.models import build_model
from std_plugin.distill.distill_diagnostics import input_sensitivity
from std_plugin.core.ddp import unwrap
from std_plugin.core.windows import clip_to_windows
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


DIAGNOSTICS = {'distill/share_sd', 'distill/share_td', 'distill/td_sensitivity'} | {f'distill/td_frame{t}' for t in range(7)}


def test_step_updates_student_only_by_default(tmp_path, tiny_root, teacher_ckpt):
    """Default: ConvLSTM and adapter fixed, so only the student can lower L_TD."""
    model = build(tmp_path, tiny_root, teacher_ckpt)
    g0, l0, a0, t0 = (params(n) for n in (model.net_g, model.net_lstm, model.net_adapter, model.net_t))
    model.optimize_parameters(1)
    assert set(model.log_dict) == {'l_pix', 'l_sd', 'l_td'} | DIAGNOSTICS  # print_freq 1
    assert abs(sum(model.log_dict[f'distill/td_frame{t}'] for t in range(7)) - 1) < 1e-5
    assert any(not torch.equal(g0[k], v) for k, v in params(model.net_g).items())
    for before, net in ((l0, model.net_lstm), (a0, model.net_adapter), (t0, model.net_t)):
        assert all(torch.equal(before[k], v) for k, v in params(net).items())
        assert all(p.grad is None and not p.requires_grad for p in net.parameters())
    assert not model.net_t.training
    # the optimizer holds the student's parameters and nothing else
    held = {id(p) for group in model.optimizer_g.param_groups for p in group['params']}
    assert held == {id(p) for p in model.net_g.parameters()}


def test_paper_option_a_trains_lstm_and_adapter(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt, freeze_lstm=False, adapter='trained')
    l0, a0 = params(model.net_lstm), params(model.net_adapter)
    model.opt['logger']['print_freq'] = 10
    model.optimize_parameters(2)
    assert set(model.log_dict) == {'l_pix', 'l_sd', 'l_td'}  # diagnostics only at the print frequency
    assert any(not torch.equal(l0[k], v) for k, v in params(model.net_lstm).items())
    assert any(not torch.equal(a0[k], v) for k, v in params(model.net_adapter).items())


def test_fixed_adapter_is_orthonormal(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt)
    w = model.net_adapter.weight.flatten(1)  # (64, 8): teacher width x student width
    assert model.net_adapter.bias is None
    assert torch.allclose(w.T @ w, torch.eye(8), atol=1e-5)  # keeps distances between student features


def test_teacher_gets_no_gradient_from_either_term(tmp_path, tiny_root, teacher_ckpt):
    """Through the model's own teacher path: backpropagating SD and TD leaves no
    gradient on the teacher's F^SR or weights, and does reach the student's."""
    model = build(tmp_path, tiny_root, teacher_ckpt)
    sr = model.net_g(clip_to_windows(model.lq, model.window_s))
    feat_s, feat_t = model.tap_s.take(), model.teacher_features(model.lq)
    losses = model.distillation_losses(feat_s, feat_t)
    assert not feat_t.requires_grad and feat_t.grad_fn is None
    (losses['l_sd'] + losses['l_td']).backward()
    assert all(p.grad is None for p in model.net_t.parameters())
    assert model.net_g.conv_hr.weight.grad.abs().sum() > 0
    assert sr.shape[0] == feat_t.shape[0] == 14


def test_teacher_features_hold_no_autograd_state(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt, teacher_chunk=3)
    feat = model.teacher_features(model.lq)
    assert feat.shape == (14, 64, 32, 32)  # 2 clips x 7 windows, chunked by 3
    assert feat.grad_fn is None and not feat.requires_grad


def test_lstm_stops_updating_once_td_is_below_threshold(tmp_path, tiny_root, teacher_ckpt):
    model = build(tmp_path, tiny_root, teacher_ckpt, freeze_lstm=False)
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


def lstm_sensitivity(model):
    feat_t = model.teacher_features(model.lq)
    seq = feat_t.view(model.lq.shape[0], -1, *feat_t.shape[1:])
    return input_sensitivity(unwrap(model.net_lstm), seq / model.cri_td.scale(seq))


def test_training_keeps_the_lstm_sensitive_to_its_input(tmp_path, tiny_root, teacher_ckpt):
    """The collapse the paper's joint optimisation runs into is a ConvLSTM whose
    cell stops depending on its input; with the defaults a training run must
    leave that sensitivity where it was (and TD's gradient reaching the student)."""
    model = build(tmp_path, tiny_root, teacher_ckpt)
    before = lstm_sensitivity(model)
    for it in range(1, 6):
        model.optimize_parameters(it)
    assert before > 1e-2
    assert lstm_sensitivity(model) >= 0.5 * before
    assert model.log_dict['distill/share_td'] > 1e-3
