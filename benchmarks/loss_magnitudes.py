"""Magnitudes of L_rec, L_SD and L_TD at initialisation on real data (the demo
clips), with unit weights, for raw and L2-normalised attention maps: the
measurement behind the default lambda1 / lambda2 (README, "Loss weights").

    python benchmarks/loss_magnitudes.py --root <std-demo root> [--student default|demo] [--batches 8]

Needs the demo data and the demo teacher (`std-demo` builds both).
"""
import argparse
import os
import statistics

import torch
import yaml

import std_plugin  # noqa: F401
from basicsr.data import build_dataset
from basicsr.models import build_model
from std_plugin.demo import OPTIONS

STUDENTS = {'demo': None, 'default': {'type': 'FastDVDnetVSR', 'num_frame': 7, 'scale': 4, 'num_feat': 64}}


def model_options(root, student, normalize):
    with open(OPTIONS / 'demo_std.yml') as f:
        opt = yaml.safe_load(f)
    if STUDENTS[student]:
        opt['network_g'] = STUDENTS[student]
    opt['path'].update(pretrain_network_g=None, models=root, training_states=root)
    opt['train']['sd_opt'].update(loss_weight=1.0, normalize=normalize)
    opt['train']['td_opt'].update(loss_weight=1.0)
    opt.update(is_train=True, dist=False, rank=0, world_size=1)
    return opt


def measure(opt, batches):
    """Loss values of `batches` training batches, before any update."""
    torch.manual_seed(0)
    model = build_model(opt)
    model.optimizer_g.step = lambda *a, **k: None  # measure at initialisation: never update
    dataset = build_dataset(dict(opt['datasets']['train'], phase='train', scale=4))
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    values = {}
    for i, data in zip(range(batches), loader):
        model.feed_data(data)
        model.optimize_parameters(i)
        for k, v in model.log_dict.items():
            values.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in values.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--root', default='.')
    p.add_argument('--student', choices=sorted(STUDENTS), default='default')
    p.add_argument('--batches', type=int, default=8)
    args = p.parse_args()
    os.chdir(args.root)
    print(f'student: {args.student}; medians over {args.batches} batches of 2 demo clips at initialisation')
    for normalize in (None, 'l2'):
        v = measure(model_options(os.path.abspath('.'), args.student, normalize), args.batches)
        print(f'normalize={normalize}: l_pix={v["l_pix"]:.4g}  l_sd={v["l_sd"]:.4g}  l_td={v["l_td"]:.4g}  '
              f'l_sd/l_pix={v["l_sd"] / v["l_pix"]:.3g}  l_td/l_pix={v["l_td"] / v["l_pix"]:.3g}')


if __name__ == '__main__':
    main()
