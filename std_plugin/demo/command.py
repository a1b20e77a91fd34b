"""std-demo: the whole method on real video, on a CPU: builds the demo data,
trains the baseline and STD students over several seeds from the shipped
teacher and warm start, tests them and writes the table and figures.

    std-demo                         # about 16 minutes on 2 CPU cores
    std-demo --quick                 # a few iterations per model: a smoke test of the path
    std-demo --root /data/demo --seeds 5 --jobs 4
    python -m std_plugin.demo        # the same as std-demo

Everything goes under --root: datasets/demo/ (the data), experiments/ (the
runs), results/demo/ (table_Demo.md/.csv, compare_*.md/.csv, curves, crops.png,
attention.png). Finished steps are reused; --fresh retrains them.
"""
from std_plugin.cli.common import add_fresh, command_parser, run_main
from std_plugin.cli.arg_types import positive
from std_plugin.demo.steps import run
from std_plugin.core.path_args import OUT_FOLDER, add_path_argument

PROG = 'std-demo'


def build_parser():
    p = command_parser(PROG, __doc__)
    add_path_argument(p, '--root', kind=OUT_FOLDER, default='.',
                      help='working folder: datasets/, experiments/, results/ go here (default: current folder)')
    p.add_argument('--quick', action='store_true', help='a few iterations per model: a smoke test of the path')
    add_fresh(p)
    p.add_argument('--seeds', type=positive, default=3, help='seeds per student arm (default: 3, the fewest for '
                   'which a 95%% confidence interval is informative)')
    p.add_argument('--jobs', type=positive, default=2, help='student runs trained at a time, one thread each '
                   '(default: 2; one-thread runs are bit-reproducible on a given machine)')
    p.add_argument('--train-teacher', action='store_true',
                   help='train the teacher here instead of using the shipped one (~25 min on 2 CPU cores)')
    p.add_argument('--train-warmup', action='store_true',
                   help="train the student's warm start here instead of using the shipped one (~5 min)")
    return p


def run_demo(args):
    run(args.root, quick=args.quick, fresh=args.fresh, seeds=args.seeds, jobs=args.jobs,
        train_teacher=args.train_teacher, train_warmup=args.train_warmup)


def main(argv=None):
    run_main(PROG, build_parser, run_demo, argv)
