"""std-compare: does distillation help this student on this data? From ONE
STD option file, train the baseline (the same file without the teacher) and
the STD student (and optionally SD-only and TD-only arms) from the same
initial weights, for the same iterations, over several seeds, through the
real train pipeline; then print and write per-arm PSNR/SSIM at the final
iteration and the paired gains (each arm over the baseline, STD over each
other distilling arm), each as n, mean, sample sd, SE, t-based 95% CI and
(gains) paired p-value over seeds, first on the pooled endpoint (every clip
of every validation dataset, fixed before any run), then per dataset; and
the PSNR curves.

    std-compare -opt options/std_fastdvd.yml --iters 2000 --val-freq 250
    std-compare -opt my_std.yml --arms baseline,std,sd,td --seeds 3 --root /data/runs
    std-compare -opt my_std.yml --arms baseline,std,pisr --pisr-opt my_pisr.yml
    std-compare -opt my_std.yml --seeds 8 --jobs 2      # two one-thread runs at a time

Paths inside the option file are relative to --root, as for train.py run
there. Runs go to <root>/experiments/<name>_compare_<arm>_s<seed>, their
option files, logs and initial weights to <root>/compare_options/<name>/,
the table (compare_<name>.md/.csv) and curves (curves_<name>.png) to --out
(default <root>/results/compare_<name>). A finished run (net_g_latest.pth
and a validation at the last iteration, same options, and the same content
of every file it reads: checkpoints, warm start, datasets) is reused when the
command is repeated; a changed input retrains it, saying so; --fresh retrains.
"""
from std_plugin.cli.arg_types import positive
from std_plugin.cli.common import add_fresh, add_option_file, add_output, command_parser, run_main
from std_plugin.evaluation.compare_arms import ARMS
from std_plugin.evaluation.compare_runs import PROG, compare_arms
from std_plugin.core.errors import InputError
from std_plugin.core.path_args import OPTIONS, WORKDIR, add_path_argument


def build_parser():
    p = command_parser(PROG, __doc__)
    add_option_file(p, help='an STD option file (network_t, train.sd_opt/td_opt, val)')
    p.add_argument('--arms', default='baseline,std', help=f'comma-separated, of {", ".join(ARMS)} '
                   '(default: baseline,std)')
    add_path_argument(p, '--pisr-opt', kind=OPTIONS,
                      help='a PISR student-stage option file (its teacher trained): the pisr arm is the '
                           "baseline's options with its distillation put in "
                           '(e.g. std_plugin/demo/options/demo_pisr.yml)')
    p.add_argument('--seeds', type=int, default=2, help='seeds 0..S-1 (default: 2)')
    p.add_argument('--seed-list', help='explicit seeds, e.g. 0,7,42 (overrides --seeds)')
    p.add_argument('--iters', type=positive, help="iterations per run (default: the file's train.total_iter); "
                   "the scheduler's periods/milestones are scaled with it")
    p.add_argument('--val-freq', type=positive, help="validate every K iterations (default: the file's val.val_freq, "
                   'else iters // 10)')
    add_path_argument(p, '--root', kind=WORKDIR, default='.',
                      help='the run root: relative paths of the option file, experiments/, '
                           'results/ (default: current folder)')
    add_output(p, 'dir', help='where the table and curves go (default: <root>/results/compare_<name>)')
    add_fresh(p)
    p.add_argument('--jobs', type=positive, default=1, help='train N runs at a time, each with one thread '
                   '(OMP_NUM_THREADS=1); a run is then the same, bit for bit, as trained alone with one thread '
                   '(default: 1, one run at a time with the threads the environment gives)')
    return p


def seed_list(seeds, seed_list_text):
    """The seeds of --seed-list a,b,c, else 0..--seeds-1."""
    if seed_list_text:
        try:
            return [int(s) for s in seed_list_text.split(',')]
        except ValueError:
            raise InputError(f'--seed-list: {seed_list_text!r} is not a comma-separated list of integers') from None
    if seeds < 1:
        raise InputError(f'--seeds: {seeds} is not a positive number of seeds')
    return list(range(seeds))


def run(args):
    compare_arms(args.opt, args.arms.split(','), seed_list(args.seeds, args.seed_list), iters=args.iters,
                 val_freq=args.val_freq, root=args.root, out=args.out, fresh=args.fresh, pisr_opt=args.pisr_opt,
                 jobs=args.jobs)


def main(argv=None):
    run_main(PROG, build_parser, run, argv)


if __name__ == '__main__':
    main()
