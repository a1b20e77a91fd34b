"""Frames, parameters, multiply-adds and time per output frame of the STD
students and the BasicSR teachers (the STD supplement's Table 2); std-profile
is its command line.

MACs are counted by evaluation/flops.py (convolutions and deform convolutions,
one MAC per weight tap) for ONE forward, which gives one output frame, at the
given LR input size (a recurrent clip network, BasicVSR, IconVSR or
BasicVSR++, runs once on a 7-frame clip and its figures are divided by the 7
frames it outputs); they are counted on the meta device, so they cost nothing
even for EDVR-L. Time is the median over `runs` forwards after `warmup` ones,
under torch.no_grad, synchronised on GPU.
"""
import sys

import torch
from tqdm import tqdm

import std_plugin  # noqa: F401  (registers the students; aliases torchvision for basicsr)
from std_plugin.core.timing import time_calls
from std_plugin.evaluation.flops import count_macs
from std_plugin.evaluation.networks import (CLIP_FRAMES, NETWORKS, SCALE, Network, build, min_side,  # noqa: F401
                                            outputs_per_forward)


@torch.no_grad()
def median_ms(model, x, runs, warmup):
    """Median wall time of one forward, in ms."""
    return time_calls(lambda: model(x), runs, warmup, x.device).median_ms


def profile(network, model, frames, size, timing=None):
    """One row, as a dict with the JSON keys; MACs and ms per output frame.
    size: the LR input (W, H); timing: None (counts only) or (device, runs, warmup)."""
    w, h = size
    x = torch.rand(1, frames, 3, h, w)
    outputs = outputs_per_forward(network)
    macs = count_macs(model, x)
    row = dict(name=network.name, frames=frames, outputs=outputs, params=sum(p.numel() for p in model.parameters()),
               macs=round(macs / outputs), sampling_macs=round((count_macs(model, x, sampling=True) - macs) / outputs),
               paper_tmacs=network.paper, size=f'{w}x{h}', ms=None, device=None)
    if timing is not None:
        device, runs, warmup = timing
        row['ms'] = median_ms(model.to(device), x.to(device), runs, warmup) / outputs
        row['device'] = device
    return row


def build_rows(names, size, timing=None):
    """The rows of the networks named (NETWORKS order); a network that cannot
    run at `size` or is not registered is skipped with a note on stderr."""
    rows = []
    for network in tqdm([n for n in NETWORKS if n.name in names], desc='std-profile', file=sys.stderr):
        if min(size) < min_side(network):
            print(f'std-profile: skipped {network.name}: it needs an LR input of at least {min_side(network)} px '
                  'a side', file=sys.stderr)
            continue
        try:
            model, frames = build(network)
        except KeyError as err:  # not registered (e.g. a student not written yet)
            print(f'std-profile: skipped {network.name}: {err}', file=sys.stderr)
            continue
        rows.append(profile(network, model, frames, size, timing))
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


def table_note(size, timing=None):
    """What the table's figures are, printed under it."""
    w, h = size
    device = 'not timed' if timing is None else f'{timing[0]}, median of {timing[1]}'
    return (f'One forward = one output frame (clip networks: one {CLIP_FRAMES}-frame clip, figures per frame), '
            f'x{SCALE}, LR input {w}x{h}, batch 1 ({device}). MACs: '
            'multiply-adds of convs and deform convs; +sampling: bilinear sampling in deform conv and flow '
            'warping. paper: STD supplement Table 2 FLOPs at 180x120 (= multiply-adds).')
