"""std-demo: the whole method on real video, on a CPU, in minutes (the steps
are std_plugin.demo.steps; `python -m std_plugin.demo` is the same).

    std-demo [--root DIR] [--quick] [--seeds 3] [--jobs 2] [--train-teacher] [--train-warmup]
"""
import argparse

from std_plugin.demo.steps import run


def parse_args(argv):
    p = argparse.ArgumentParser(description='Space-Time Distillation demo on real video (CPU, minutes).')
    p.add_argument('--root', default='.', help='working folder: datasets/, experiments/, results/ go here')
    p.add_argument('--quick', action='store_true', help='a few iterations per model: a smoke test of the path')
    p.add_argument('--fresh', action='store_true', help='retrain models whose checkpoints exist')
    p.add_argument('--seeds', type=int, default=3, help='seeds per student arm (default: 3, the fewest for which '
                   'a 95%% confidence interval is informative)')
    p.add_argument('--jobs', type=int, default=2, help='student runs trained at a time, one thread each '
                   '(default: 2; one-thread runs are bit-reproducible on a given machine)')
    p.add_argument('--train-teacher', action='store_true',
                   help='train the teacher here instead of using the shipped one (~25 min on 2 CPU cores)')
    p.add_argument('--train-warmup', action='store_true',
                   help="train the student's warm start here instead of using the shipped one (~5 min)")
    return p.parse_args(argv)


def main(argv=None):
    run(parse_args(argv))


if __name__ == '__main__':
    main()
