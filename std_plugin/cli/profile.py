"""std-profile: frames, parameters, multiply-adds and time per output frame of
the STD students and the BasicSR teachers, as in the STD supplement's Table 2.

    std-profile                      # 180x120 input, best device, 5 timed runs
    std-profile --no-time            # counts only: seconds, even on a CPU
    std-profile --json --size 64x32 --runs 1 --only VDSR,EDVR-M

MACs are counted by std_plugin.evaluation.flops (convolutions and deform convolutions,
one MAC per weight tap; see its docstring) for ONE forward, which gives one
output frame, at the given LR input size (a recurrent clip network, BasicVSR,
IconVSR or BasicVSR++, runs once on a 7-frame clip and its figures are divided
by the 7 frames it outputs); they are counted on the meta
device, so they cost nothing even for EDVR-L. Time is the median over --runs
forwards after --warmup ones, under torch.no_grad, synchronised on GPU.
"""
import argparse
import json
import sys

import torch
from tqdm import tqdm

import std_plugin  # noqa: F401  (registers the students; aliases torchvision for basicsr)
from std_plugin.evaluation.benchmark.timing import time_calls
from std_plugin.evaluation.flops import count_macs
from std_plugin.evaluation.networks import (CLIP_FRAMES, NETWORKS, SCALE, Network, build, min_side,  # noqa: F401
                                            outputs_per_forward, parse_size)
from std_plugin.training.errors import run_command


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='std-profile', description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', type=parse_size, default=(180, 120), help='LR input WxH (default 180x120)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='device for timing (default: cuda if available, else cpu)')
    parser.add_argument('--runs', type=int, default=5, help='timed forwards per network; the median is reported')
    parser.add_argument('--warmup', type=int, default=1, help='untimed forwards before timing')
    parser.add_argument('--no-time', action='store_true', help='count parameters and MACs only')
    parser.add_argument('--only', help='comma-separated names among ' + ', '.join(n.name for n in NETWORKS))
    parser.add_argument('--json', action='store_true', help='print the rows as a JSON list')
    args = parser.parse_args(argv)
    names = [net.name for net in NETWORKS]
    args.only = args.only.split(',') if args.only else names
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        parser.error(f'--only: unknown network(s) {", ".join(unknown)}; choose from {", ".join(names)}')
    if args.runs < 1 or args.warmup < 0:
        parser.error('--runs must be >= 1 and --warmup >= 0')
    if torch.device(args.device).type == 'cuda' and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: CUDA is not available here (use --device cpu)')
    return args


def profile(network, model, frames, args):
    """One row, as a dict with the JSON keys; MACs and ms per output frame."""
    w, h = args.size
    x = torch.rand(1, frames, 3, h, w)
    outputs = outputs_per_forward(network)
    macs = count_macs(model, x)
    row = dict(name=network.name, frames=frames, outputs=outputs, params=sum(p.numel() for p in model.parameters()),
               macs=round(macs / outputs), sampling_macs=round((count_macs(model, x, sampling=True) - macs) / outputs),
               paper_tmacs=network.paper, size=f'{w}x{h}', ms=None, device=None)
    if not args.no_time:
        model, x = model.to(args.device), x.to(args.device)
        with torch.no_grad():
            row['ms'] = time_calls(lambda: model(x), args.runs, args.warmup, args.device).median_ms / outputs
        row['device'] = args.device
    return row


def build_rows(args):
    rows = []
    for network in tqdm([n for n in NETWORKS if n.name in args.only], desc='std-profile', file=sys.stderr):
        if min(args.size) < min_side(network):
            print(f'std-profile: skipped {network.name}: it needs an LR input of at least {min_side(network)} px '
                  'a side', file=sys.stderr)
            continue
        try:
            model, frames = build(network)
        except KeyError as err:  # not registered (e.g. a student not written yet)
            print(f'std-profile: skipped {network.name}: {err}', file=sys.stderr)
            continue
        rows.append(profile(network, model, frames, args))
    return rows


def format_table(rows):
    header = ['network', 'frames', 'params (M)', 'MACs (T)', '+sampling (G)', 'paper (T)', 'ms/frame']
    lines = [[r['name'], f"{r['frames']} (clip)" if r['outputs'] > 1 else str(r['frames']),
              f"{r['params'] / 1e6:.2f}", f"{r['macs'] / 1e12:.3f}",
              f"{r['sampling_macs'] / 1e9:.2f}", '-' if r['paper_tmacs'] is None else f"{r['paper_tmacs']:.2f}",
              '-' if r['ms'] is None else f"{r['ms']:.1f}"] for r in rows]
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines)]
    fmt = '  '.join(f'{{:<{widths[0]}}}' if i == 0 else f'{{:>{n}}}' for i, n in enumerate(widths))
    return '\n'.join(fmt.format(*cells) for cells in [header, ['-' * n for n in widths]] + lines)


def main(argv=None):
    run_command('std-profile', parse_args, run, argv)


def run(args):
    rows = build_rows(args)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    w, h = args.size
    print(format_table(rows))
    device = 'not timed' if args.no_time else f'{args.device}, median of {args.runs}'
    print(f'\nOne forward = one output frame (clip networks: one {CLIP_FRAMES}-frame clip, figures per frame), '
          f'x{SCALE}, LR input {w}x{h}, batch 1 ({device}). MACs: '
          'multiply-adds of convs and deform convs; +sampling: bilinear sampling in deform conv and flow '
          'warping. paper: STD supplement Table 2 FLOPs at 180x120 (= multiply-adds).')


if __name__ == '__main__':
    main()
