"""EMA (BasicSR's train.ema_decay) with a BatchNorm student: the EMA copy that
validation runs must carry the student's running statistics, not those of its
construction (BasicSR's own model_ema averages parameters only)."""
import torch
from torch import nn

from basicsr.models import build_model
from tests.conftest import base_options


def bn_buffers(net):
    return {name: buf.detach().clone() for name, buf in net.named_buffers() if 'running_' in name}


def build(tmp_path, tiny_root, decay):
    opt = base_options('ema', tiny_root, val=False)
    opt['train']['ema_decay'] = decay
    opt.update(is_train=True, dist=False, rank=0, world_size=1)
    opt['path'].update(models=str(tmp_path), training_states=str(tmp_path))
    torch.manual_seed(0)
    return build_model(opt)


def test_ema_copy_carries_the_students_batchnorm_statistics(tmp_path, tiny_root):
    model = build(tmp_path, tiny_root, decay=0.5)
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.net_g_ema.modules())
    initial = bn_buffers(model.net_g_ema)
    assert all(torch.all(v == 0) or torch.all(v == 1) for v in initial.values())  # BatchNorm's init: 0 mean, 1 var
    torch.manual_seed(1)
    for it in range(1, 4):
        model.feed_data({'lq': torch.rand(2, 7, 3, 8, 8), 'gt': torch.rand(2, 7, 3, 32, 32)})
        model.optimize_parameters(it)
    ema, student = bn_buffers(model.net_g_ema), bn_buffers(model.net_g)
    # Updated by the 3 steps (BasicSR alone leaves them at their initial values) ...
    assert all(not torch.equal(ema[k], initial[k]) for k in ema)
    # ... to the student's own statistics, while the weights are averaged.
    assert all(torch.equal(ema[k], student[k]) for k in ema)
    bn = next(name for name, m in model.net_g.named_modules() if isinstance(m, nn.BatchNorm2d))
    ema_w, student_w = dict(model.net_g_ema.named_parameters()), dict(model.net_g.named_parameters())
    assert not torch.equal(ema_w[f'{bn}.weight'], student_w[f'{bn}.weight'])  # weights: averaged, not copied

    # Validation (SRModel.test) runs the EMA copy in eval mode, normalising with these statistics.
    model.feed_data({'lq': torch.rand(1, 7, 3, 8, 8)})
    model.test()
    with_stats = model.output.clone()
    with torch.no_grad():
        for name, buf in model.net_g_ema.named_buffers():
            if name in initial:
                buf.copy_(initial[name])
    model.test()
    assert not torch.allclose(with_stats, model.output, atol=1e-4)
    assert not model.net_g_ema.training

