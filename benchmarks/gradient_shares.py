"""What each loss term sends to the student's F^SR, at initialisation and after a
warm-up: the measurement behind the default lambda1 / lambda2 (docs/method.md, "Loss
weights"). Loss VALUES at step 0 say little (the maps' scale, the ConvLSTM's
squashing); what teaches the student is the gradient each term sends to F^SR,
and that changes fastest in the first iterations.

    python benchmarks/gradient_shares.py -opt std_plugin/demo/options/demo_std.yml --root <std-demo root> \\
        [--warmup 200] [--batches 8] [--target 0.25]

Trains the option file's student (with its own lambdas) for --warmup
iterations, then for --batches batches prints the median norm of the gradient
at F^SR of each UNWEIGHTED term (L_rec, L_SD, L_TD), their ratios to L_rec's,
and the lambdas that would make each distillation term's gradient --target
times the reconstruction gradient. The teacher must exist (std-demo trains it).
"""
import argparse
import os
import statistics

import torch
import yaml

import std_plugin  # noqa: F401
from basicsr.data import build_dataset
from basicsr.models import build_model
from std_plugin.distill.distill_diagnostics import gradient_norms
from std_plugin.core.windows import clip_to_windows


def build(opt_path, seed):
    with open(opt_path) as f:
        opt = yaml.safe_load(f)
    opt['path'].update(models='.', training_states='.', experiments_root='.')
    opt.update(is_train=True, dist=False, rank=0, world_size=1)
    opt['logger']['print_freq'] = 10 ** 9  # no diagnostics inside the steps
    torch.manual_seed(seed)
    model = build_model(opt)
    dataset = build_dataset(dict(opt['datasets']['train'], phase='train', scale=opt['scale']))
    loader = torch.utils.data.DataLoader(dataset, batch_size=opt['datasets']['train']['batch_size_per_gpu'],
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    return model, loader


def unweighted_norms(model, data):
    """Norms at F^SR of d L/d F for each term with loss_weight 1 (no update)."""
    model.feed_data(data)
    weights = {c: c.loss_weight for c in (model.cri_pix, model.cri_sd, model.cri_td) if c is not None}
    for c in weights:
        c.loss_weight = 1.0
    sr = model.net_g(clip_to_windows(model.lq, model.window_s))
    feat_s, feat_t = model.tap_s.take(), model.teacher_features(model.lq)
    terms = {'l_pix': model.cri_pix(sr, model.gt.flatten(0, 1)), **model.distillation_losses(feat_s, feat_t)}
    for c, w in weights.items():
        c.loss_weight = w
    return gradient_norms(terms, feat_s)


def measure(model, batches):
    values = {}
    for data in batches:
        for k, v in unweighted_norms(model, data).items():
            values.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in values.items()}


def report(label, norms, model, target):
    line = f'{label}: |grad| at F^SR (unit weights): ' + '  '.join(f'{k}={v:.3g}' for k, v in norms.items())
    for k, cri in (('l_sd', model.cri_sd), ('l_td', model.cri_td)):
        if k in norms and norms[k] > 0:
            ratio = norms[k] / norms['l_pix']
            line += (f'\n    {k}/l_pix = {ratio:.3g}; with lambda {cri.loss_weight:g}: {cri.loss_weight * ratio:.3g} '
                     f'of the reconstruction gradient; lambda for {target:g}: {target / ratio:.3g}')
    print(line)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('-opt', required=True, help='an STD option file (network_t, sd_opt and/or td_opt)')
    p.add_argument('--root', default='.', help='the folder its relative paths start from')
    p.add_argument('--warmup', type=int, default=200, help='training iterations before the second measurement')
    p.add_argument('--batches', type=int, default=8, help='batches per measurement (medians)')
    p.add_argument('--target', type=float, default=0.25, help='wanted |grad| of each term / |grad| of L_rec')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    opt_path = os.path.abspath(args.opt)
    os.chdir(args.root)
    model, loader = build(opt_path, args.seed)
    fixed = [b for _, b in zip(range(args.batches), loader)]  # the same batches before and after
    report('initialisation', measure(model, fixed), model, args.target)
    it = 0
    while it < args.warmup:
        for data in loader:
            it += 1
            model.update_learning_rate(it, warmup_iter=-1)
            model.feed_data(data)
            model.optimize_parameters(it)
            if it == args.warmup:
                break
    report(f'after {args.warmup} iterations', measure(model, fixed), model, args.target)


if __name__ == '__main__':
    main()
