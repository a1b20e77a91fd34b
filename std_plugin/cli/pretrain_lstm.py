"""Pretrain the shared ConvLSTM on next-frame prediction of teacher F^SR
features (supplement Table 1, initialisations (b) and (c)).

    python -m std_plugin.cli.pretrain_lstm -opt options/std_fastdvd.yml \
        --iters 2000 --out experiments/pretrained_models/convlstm_edvrl.pth

Reads the STD option file's train dataset, teacher and network_lstm; feeds the
teacher's F^SR of frames 1..N-1 into the ConvLSTM and regresses frame t+1's
F^SR from H_t through a 1x1 prediction head (discarded afterwards). Writes a
BasicSR checkpoint {'params': ConvLSTM state} for `path.pretrain_network_lstm`;
then `distill.freeze_lstm: true` gives (b), false gives (c).

--adapter principal (when the student's F^SR is narrower than the teacher's)
also writes the fixed adapter (`params_adapter`, loaded with the ConvLSTM):
the leading principal directions of the teacher's F^SR channels instead of
the model's random orthonormal map. L_TD can only pull the student's C_S
channels towards the teacher's features seen through the adapter; the tool
prints the share of the teacher's F^SR energy each map keeps (demo: 91% against
30%). Not the default: on the demo it made the student worse (README,
"ConvLSTM initialisations").

The sequences are scaled as `train.td_opt` will scale them (`normalize:
teacher`, the default: each clip divided by its RMS), so the ConvLSTM is
pretrained on inputs of the size L_TD feeds it: pretrained on raw F^SR, a
ConvLSTM then fed unit-RMS inputs sees them tens of times larger than anything
it was trained on.
"""
import argparse
import os.path as osp

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

import std_plugin  # noqa: F401  (registers the plugin)
from basicsr.archs import build_network
from basicsr.data import build_dataset
from std_plugin.archs.network_spec import frame_count
from std_plugin.distill.feature_energy import channel_moment, energy_kept, principal_map
from std_plugin.distill.taps import FeatureTap
from std_plugin.distill.probes import probe
from std_plugin.distill.teacher import build_teacher
from std_plugin.distill.temporal_memory import build_adapter, build_temporal_memory
from std_plugin.distill.windows import clip_to_windows, windows_to_clip
from std_plugin.losses.temporal_memory_loss import TemporalMemoryLoss
from std_plugin.training.option_checks import NON_ARCH_KEYS
from std_plugin.training.atomic_write import atomic_path
from std_plugin.training.disk_errors import named_writes
from std_plugin.training.errors import InputError, run_command
from std_plugin.training.path_args import OPTIONS, OUT_FILE, add_path_argument, parse_checked, read_option_file


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
    return TemporalMemoryLoss(normalize=td_opt.get('normalize', 'teacher')).scale


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


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_path_argument(p, '-opt', kind=OPTIONS, required=True,
                      help='STD option file (train dataset, network_t, network_lstm)')
    add_path_argument(p, '--out', kind=OUT_FILE, required=True,
                      help='checkpoint to write (refuses to overwrite without --overwrite)')
    p.add_argument('--iters', type=int, default=2000)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--overwrite', action='store_true')
    p.add_argument('--adapter', choices=('model', 'principal'), default='model',
                   help="model: the STD model's own random fixed adapter (default); principal: write one made of "
                        "the teacher F^SR's leading principal directions")
    return parse_checked(p, argv)


def main(argv=None):
    run_command('std-pretrain-lstm', parse_args, run, argv)


def run(args):
    if osp.exists(args.out) and not args.overwrite:
        raise InputError(f'--out: {args.out} exists; pass --overwrite to replace it')
    opt = read_option_file('-opt', args.opt)
    device = torch.device(args.device)
    lstm, moment = pretrain(opt, args.iters, args.lr, device)
    ckpt = {'params': {k: v.cpu() for k, v in lstm.state_dict().items()}}
    if args.adapter == 'principal':
        width = student_width(opt, device)
        if width == moment.shape[0]:
            print(f'--adapter principal: no adapter written, student and teacher F^SR both have {width} channels')
        else:
            ckpt['params_adapter'] = principal_adapter(opt, moment, width).state_dict()
    # A Python file: a full disk raises OSError(ENOSPC), not the zip writer's RuntimeError.
    with atomic_path(args.out) as tmp, named_writes(tmp), open(tmp, 'wb') as f:
        torch.save(ckpt, f)
    print(f'ConvLSTM pretrained for {args.iters} iterations -> {args.out}')


if __name__ == '__main__':
    main()
