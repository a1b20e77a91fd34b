"""Pretraining of the shared ConvLSTM on next-frame prediction of teacher F^SR
features (supplement Table 1, initialisations (b) and (c)); std-pretrain-lstm
is its command line.

The teacher's F^SR of frames 1..N-1 of the STD option file's train clips go
into the ConvLSTM (network_lstm), which regresses frame t+1's F^SR from H_t
through a 1x1 prediction head (discarded afterwards). The sequences are scaled
as `train.td_opt` will scale them (`normalize: teacher`, the default: each
clip divided by its RMS), so the ConvLSTM is pretrained on inputs of the size
L_TD feeds it: pretrained on raw F^SR, a ConvLSTM then fed unit-RMS inputs
sees them tens of times larger than anything it was trained on.

adapter='principal' (when the student's F^SR is narrower than the teacher's)
also stores a fixed adapter made of the leading principal directions of the
teacher's F^SR channels instead of the model's random orthonormal map.
"""
import functools
import os.path as osp

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

import std_plugin  # noqa: F401  (registers the plugin)
from basicsr.archs import build_network
from basicsr.data import build_dataset
from std_plugin.distill.feature_energy import channel_moment, energy_kept, principal_map
from std_plugin.core.taps import FeatureTap
from std_plugin.distill.teacher import build_teacher
from std_plugin.core.windows import clip_to_windows, windows_to_clip
from std_plugin.archs.network_spec import frame_count
from std_plugin.distill.probes import probe
from std_plugin.distill.temporal_memory import build_adapter, build_temporal_memory, check_normalize, input_scale
from std_plugin.training.option_checks import NON_ARCH_KEYS
from std_plugin.core.atomic_write import atomic_path
from std_plugin.core.disk_errors import named_writes
from std_plugin.core.errors import InputError

ADAPTERS = ('model', 'principal')


def next_frame_loss(lstm, head, seq):
    """Mean over t of MSE(head(H_t), F_{t+1}) for a (B, N, C, H, W) sequence."""
    b, n, _, h, w = seq.shape
    hidden = seq.new_zeros(b, lstm.hidden_dim, h, w)
    cell = torch.zeros_like(hidden)
    loss = 0
    for t in range(n - 1):
        hidden, cell = lstm.step(seq[:, t], hidden, cell)
        loss = loss + F.mse_loss(head(hidden), seq[:, t + 1])
    return loss / (n - 1)


def teacher_sequences(opt, device):
    """Yields teacher F^SR sequences (B, N, C, H, W) of the train clips, forever."""
    teacher = build_teacher(opt, device)
    layer = (opt.get('distill') or {}).get('teacher_layer', 'conv_hr')
    window = frame_count(opt['network_t'], teacher, 'network_t')
    dataset_opt = dict(opt['datasets']['train'], phase='train', scale=opt['scale'])
    dataset = build_dataset(dataset_opt)
    loader = torch.utils.data.DataLoader(dataset, batch_size=dataset_opt.get('batch_size_per_gpu', 1),
                                         shuffle=True, num_workers=dataset_opt.get('num_worker_per_gpu', 0))
    channels = probe(teacher, layer, window, device)[1][1]
    with FeatureTap(teacher, layer) as tap:
        while True:
            for data in loader:
                lq = data['lq'].to(device)
                with torch.no_grad():
                    teacher(clip_to_windows(lq, window))
                yield channels, windows_to_clip(tap.take(), lq.shape[0])


def td_scale(opt):
    """The input scaling of the file's L_TD: seq -> seq / scale(seq)."""
    td_opt = (opt.get('train') or {}).get('td_opt') or {}
    normalize = td_opt.get('normalize', 'teacher')
    check_normalize(normalize)
    return functools.partial(input_scale, normalize=normalize)


def student_width(opt, device):
    """Channels of the student's F^SR (network_g at distill.student_layer)."""
    net_opt = {k: v for k, v in opt['network_g'].items() if k not in NON_ARCH_KEYS}
    net = build_network(net_opt).to(device)
    layer = (opt.get('distill') or {}).get('student_layer', 'conv_hr')
    return probe(net, layer, frame_count(net_opt, net, 'network_g'), device)[1][1]


def principal_adapter(opt, moment, width):
    """The model's fixed adapter (distill.adapter) with the principal map as
    weight; prints the energy it keeps against a random orthonormal map's."""
    mode = (opt.get('distill') or {}).get('adapter', 'fixed')
    adapter = build_adapter(width, moment.shape[0], mode)
    random_map = adapter.weight.detach()[:, :, 0, 0].double()
    basis = principal_map(moment, width)
    with torch.no_grad():
        adapter.weight.copy_(basis[:, :, None, None].float())
        if adapter.bias is not None:
            adapter.bias.zero_()
    print(f'adapter {width} -> {moment.shape[0]} channels: keeps {energy_kept(moment, basis):.1%} of the '
          f"teacher's F^SR energy (a random orthonormal map: {energy_kept(moment, random_map):.1%})")
    return adapter


def pretrain(opt, iters, lr, device):
    """(ConvLSTM, channel moment of the scaled teacher F^SR it was trained on)."""
    sequences = teacher_sequences(opt, device)
    scale = td_scale(opt)
    channels, seq = next(sequences)
    lstm = build_temporal_memory(opt, channels).to(device)
    head = nn.Conv2d(lstm.hidden_dim, channels, 1).to(device)
    optimizer = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=lr)
    moment = torch.zeros(channels, channels, dtype=torch.float64, device=device)
    bar = tqdm(range(iters), unit='iter')
    for it in bar:
        if it:
            _, seq = next(sequences)
        seq = seq / scale(seq)
        moment += channel_moment(seq)
        loss = next_frame_loss(lstm, head, seq)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        bar.set_postfix(l_pred=f'{loss.item():.4g}')
    return lstm, moment.cpu()


def pretrain_convlstm(opt, out, *, iters=2000, lr=1e-3, device='cpu', adapter='model', overwrite=False):
    """Pretrain the ConvLSTM of option dict `opt` for `iters` Adam steps at `lr`
    and write {'params': ConvLSTM state} (and with adapter='principal'
    'params_adapter') to `out`, atomically: never a half-written checkpoint
    under the final name. An existing `out` is replaced only with `overwrite`."""
    if adapter not in ADAPTERS:
        raise InputError(f'--adapter: {adapter!r}; expected one of {", ".join(ADAPTERS)}')
    if osp.exists(out) and not overwrite:
        raise InputError(f'--out: {out} exists; pass --overwrite to replace it')
    device = torch.device(device)
    lstm, moment = pretrain(opt, iters, lr, device)
    ckpt = {'params': {k: v.cpu() for k, v in lstm.state_dict().items()}}
    if adapter == 'principal':
        width = student_width(opt, device)
        if width == moment.shape[0]:
            print(f'--adapter principal: no adapter written, student and teacher F^SR both have {width} channels')
        else:
            ckpt['params_adapter'] = principal_adapter(opt, moment, width).state_dict()
    # A Python file: a full disk raises OSError(ENOSPC), not the zip writer's RuntimeError.
    with atomic_path(out) as tmp, named_writes(tmp), open(tmp, 'wb') as f:
        torch.save(ckpt, f)
    return ckpt
