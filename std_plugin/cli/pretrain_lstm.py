"""Pretrain the shared ConvLSTM on next-frame prediction of teacher F^SR
features (supplement Table 1, initialisations (b) and (c)).

    python -m std_plugin.cli.pretrain_lstm -opt options/std_fastdvd.yml \
        --iters 2000 --out experiments/pretrained_models/convlstm_edvrl.pth

Reads the STD option file's train dataset, teacher and network_lstm; feeds the
teacher's F^SR of frames 1..N-1 into the ConvLSTM and regresses frame t+1's
F^SR from H_t through a 1x1 prediction head (discarded afterwards). Writes a
BasicSR checkpoint {'params': ConvLSTM state} for `path.pretrain_network_lstm`;
then `distill.freeze_lstm: true` gives (b), false gives (c).

The sequences are scaled as `train.td_opt` will scale them (`normalize:
teacher`, the default: each clip divided by its RMS), so the ConvLSTM is
pretrained on inputs of the size L_TD feeds it: pretrained on raw F^SR, a
ConvLSTM then fed unit-RMS inputs sees them tens of times larger than anything
it was trained on.
"""
import argparse
import os
import os.path as osp

import torch
import torch.nn.functional as F
import yaml
from torch import nn
from tqdm import tqdm

import std_plugin  # noqa: F401  (registers the plugin)
from basicsr.data import build_dataset
from std_plugin.distill.taps import FeatureTap
from std_plugin.distill.teacher import build_teacher
from std_plugin.distill.windows import clip_to_windows, windows_to_clip
from std_plugin.losses.temporal_memory_loss import TemporalMemoryLoss
from std_plugin.models.std_model import build_temporal_memory, frame_count, probe


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


def pretrain(opt, iters, lr, device):
    sequences = teacher_sequences(opt, device)
    scale = td_scale(opt)
    channels, seq = next(sequences)
    lstm = build_temporal_memory(opt, channels).to(device)
    head = nn.Conv2d(lstm.hidden_dim, channels, 1).to(device)
    optimizer = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=lr)
    bar = tqdm(range(iters), unit='iter')
    for it in bar:
        if it:
            _, seq = next(sequences)
        loss = next_frame_loss(lstm, head, seq / scale(seq))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        bar.set_postfix(l_pred=f'{loss.item():.4g}')
    return lstm


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('-opt', required=True, help='STD option file (train dataset, network_t, network_lstm)')
    p.add_argument('--out', required=True, help='checkpoint to write (refuses to overwrite without --overwrite)')
    p.add_argument('--iters', type=int, default=2000)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--overwrite', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if osp.exists(args.out) and not args.overwrite:
        raise SystemExit(f'--out {args.out} exists; pass --overwrite to replace it')
    with open(args.opt) as f:
        opt = yaml.safe_load(f)
    lstm = pretrain(opt, args.iters, args.lr, torch.device(args.device))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    torch.save({'params': {k: v.cpu() for k, v in lstm.state_dict().items()}}, tmp)
    os.replace(tmp, args.out)  # never a half-written checkpoint under the final name
    print(f'ConvLSTM pretrained for {args.iters} iterations -> {args.out}')


if __name__ == '__main__':
    main()
