"""std-demo: the whole method on real video, on a CPU, in minutes (the steps
are std_plugin.demo.steps; `python -m std_plugin.demo` is the same).

    std-demo [--root DIR] [--quick] [--seeds 3] [--jobs 2] [--train-teacher] [--train-warmup]
"""
import argparse

from std_plugin.demo.steps import run
from std_plugin.training.errors import run_command
from std_plugin.training.path_args import OUT_FOLDER, add_path_argument, parse_checked


def parse_args(argv):
    p = argparse.ArgumentParser(description='Space-Time Distillation demo on real video (CPU, minutes).')
    add_path_argument(p, '--root', kind=OUT_FOLDER, default='.',
                      help='working folder: datasets/, experiments/, results/ go here')
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
    return parse_checked(p, argv)


def main(argv=None):
    run_command('std-demo', parse_args, run, argv)


if __name__ == '__main__':
    main()
