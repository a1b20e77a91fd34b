"""Does STD help, decided with statistical power: baseline, SD-only and STD
students trained from the same warm start over many seeds (std-compare), and
the paired gains STD - baseline and STD - SD (what time distillation adds) on
the pooled endpoint, with n, mean, SE, t-based 95% CI and paired p, at every
validated iteration: "learns faster" shows as a gain early that closes,
"ends higher" as one that stays.

    python benchmarks/powered_std.py --root runs/powered                 # 12 seeds x 3 arms x 300 iterations
    python benchmarks/powered_std.py --root runs/powered --seeds 8 --jobs 2
    python benchmarks/powered_std.py --root runs/powered --quick         # 2 seeds x 4 iterations: the path only

Runs the demo's option file (std_plugin/demo/options/demo_std.yml: the demo
teacher, the shipped warm start, 300 iterations, val every 100 iterations on
bikes and Carphone) unless -opt names another STD option file whose paths are relative
to --root. The pooled endpoint (fixed before any run) is, per seed, the mean
over every scored clip of the clip's paired gain; it is std-compare's.
Finished runs are reused (std-compare's content-keyed reuse: run it in
std-demo's root and the demo's baseline and STD runs count); the table goes
to <root>/results/powered/powered_<name>.md and .json.
"""
import argparse
import json
from pathlib import Path

from std_plugin.data.prep.demo import build_demo_data
from std_plugin.demo.steps import STUDENTS, TEACHER, WARMUP, load_options, prepare_checkpoint, write_options
from std_plugin.evaluation.compare_pooled import pooled_values
from std_plugin.evaluation.compare_runs import compare_arms, read_options, val_names
from std_plugin.evaluation.compare_stats import Cell
from std_plugin.training.val_history import FILE_NAME, read_history

ARMS = ('baseline', 'sd', 'std')
GAINS = (('std', 'baseline'), ('std', 'sd'), ('sd', 'baseline'))


def demo_option_file(root, quick):
    """The demo's data, teacher and warm start under root; its STD option file."""
    build_demo_data(str(Path(root, 'datasets', 'demo')))
    for name in (TEACHER, WARMUP):
        prepare_checkpoint(root, name, False, False, False)
    opt = load_options(STUDENTS, quick)
    return str(write_options(root, STUDENTS, opt))


def histories(root, name, seeds):
    return {arm: {s: read_history(Path(root, 'experiments', f'{name}_compare_{arm}_s{s}', FILE_NAME))
                  for s in seeds} for arm in ARMS}


def gains_by_iteration(hist, seeds, datasets, metric='psnr'):
    """{iteration: {'std - baseline': Cell, ...}} on the pooled endpoint."""
    first = hist[ARMS[0]][seeds[0]][datasets[0]]
    out = {}
    for iteration in sorted(first):
        pooled = pooled_values(hist, ARMS, seeds, iteration, datasets, [metric])
        if pooled is None:
            continue
        values = pooled[0]
        out[iteration] = {f'{a} - {b}': Cell([x - y for x, y in zip(values[a][metric], values[b][metric])])
                          for a, b in GAINS}
    return out


def fmt(cell):
    low, high = cell.ci
    return f'{cell.mean:+.3f} ± {cell.se:.3f} [{low:+.3f}, {high:+.3f}], p {cell.p:.3f}'


def render(by_iter, n):
    labels = [f'{a} - {b}' for a, b in GAINS]
    lines = [f'Pooled endpoint, Y PSNR (dB), n = {n} seeds: mean ± SE [95% CI], paired p',
             '', '| iteration | ' + ' | '.join(labels) + ' |', '|---:|' + '---|' * len(labels)]
    for iteration, cells in by_iter.items():
        lines.append(f'| {iteration} | ' + ' | '.join(fmt(cells[label]) for label in labels) + ' |')
    return '\n'.join(lines) + '\n'


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--root', default='runs/powered', help='run root (data, experiments, results)')
    p.add_argument('-opt', help='an STD option file (default: the demo\'s, with its data built under --root)')
    p.add_argument('--seeds', type=int, default=12,
                   help='seeds (default: 12: a 95%% CI half-width of ~0.05 dB at the demo\'s sd of 0.075 dB)')
    p.add_argument('--iters', type=int, default=None, help="iterations per run (default: the file's, as std-demo)")
    p.add_argument('--val-freq', type=int, default=None, help="validate every K iterations (default: the file's)")
    p.add_argument('--jobs', type=int, default=2, help='runs at a time, one thread each (default: 2)')
    p.add_argument('--quick', action='store_true', help='2 seeds x 4 iterations: checks the path, measures nothing')
    args = p.parse_args()
    root = Path(args.root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    seeds = list(range(2 if args.quick else args.seeds))
    iters, val_freq = (4, 2) if args.quick else (args.iters, args.val_freq)
    opt_file = args.opt or demo_option_file(root, args.quick)
    compare_arms(opt_file, ARMS, seeds, iters=iters, val_freq=val_freq, root=str(root),
                 out=str(root / 'results' / 'powered'), jobs=args.jobs)
    opt = read_options(opt_file)
    name = opt['name']
    by_iter = gains_by_iteration(histories(root, name, seeds), seeds, val_names(opt))
    text = render(by_iter, len(seeds))
    print(text)
    out = root / 'results' / 'powered'
    (out / f'powered_{name}.md').write_text(text)
    (out / f'powered_{name}.json').write_text(json.dumps(
        {str(i): {k: {'n': c.n, 'values': c.values, 'mean': c.mean, 'se': c.se, 'ci': list(c.ci), 'p': c.p}
                  for k, c in cells.items()} for i, cells in by_iter.items()}, indent=1))


if __name__ == '__main__':
    main()
