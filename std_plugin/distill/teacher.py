"""The frozen teacher: any registered arch, loaded from a BasicSR checkpoint,
in eval mode, without gradients, never wrapped in DDP (DDP refuses a module
with no trainable parameter, and the teacher needs no gradient sync)."""
import os

from basicsr.archs import build_network
from std_plugin.core.checkpoints import load_weights, teacher_checkpoint
from std_plugin.core.errors import CheckpointError
from std_plugin.core.released_checkpoints import where_to_get


def build_teacher(opt, device):
    """network_t built and loaded from path.pretrain_network_t (param_key_t, strict_load_t)."""
    path_opt = opt['path']
    ckpt = teacher_checkpoint(path_opt)
    if not os.path.isfile(ckpt):
        raise CheckpointError(f'path.pretrain_network_t: teacher checkpoint {ckpt} does not exist{where_to_get(ckpt)}')
    net = build_network(opt['network_t'])
    load_weights(net, ckpt, param_key=path_opt.get('param_key_t', 'params'),
                 strict=path_opt.get('strict_load_t', True), what='network_t')
    return freeze_teacher(net.to(device))


def freeze_teacher(net):
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net
