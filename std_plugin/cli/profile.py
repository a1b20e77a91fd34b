"""std-profile: frames, parameters, multiply-adds and time per output frame of
the STD students and the BasicSR teachers, as in the STD supplement's Table 2.

    std-profile                      # 180x120 input, best device, 5 timed runs
    std-profile --no-time            # counts only: seconds, even on a CPU
    std-profile --json --size 64x32 --runs 1 --only VDSR,EDVR-M

MACs are counted for ONE forward, which gives one output frame, at the given
LR input size (a recurrent clip network, BasicVSR, IconVSR or BasicVSR++, runs
once on a 7-frame clip and its figures are divided by the 7 frames it
outputs); they are counted on the meta device, so they cost nothing even for
EDVR-L. Time is the median over --runs forwards after --warmup ones, under
torch.no_grad, synchronised on GPU. std-bench times the STD training step and
the student-teacher inference ratio; this command times every network alone.
"""
import json

from std_plugin.cli.common import add_device, command_parser, run_main
from std_plugin.evaluation import profile as profiling
from std_plugin.evaluation.networks import parse_size
from std_plugin.core.errors import InputError

PROG = 'std-profile'


def build_parser():
    parser = command_parser(PROG, __doc__)
    parser.add_argument('--size', type=parse_size, default=(180, 120), metavar='WxH',
                        help='LR input width x height, multiples of 4 (default: 180x120)')
    add_device(parser, 'the networks are timed on')
    parser.add_argument('--runs', type=int, default=5,
                        help='timed forwards per network; the median is reported (default: 5)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed forwards before timing (default: 1)')
    parser.add_argument('--no-time', action='store_true', help='count parameters and MACs only')
    parser.add_argument('--only', help='comma-separated names among '
                        + ', '.join(n.name for n in profiling.NETWORKS) + ' (default: all)')
    parser.add_argument('--json', action='store_true', help='print the rows as a JSON list')
    return parser


def check_args(args):
    """--only as a list of known names; --runs and --warmup in range."""
    names = [net.name for net in profiling.NETWORKS]
    only = args.only.split(',') if args.only else names
    unknown = sorted(set(only) - set(names))
    if unknown:
        raise InputError(f'--only: unknown network(s) {", ".join(unknown)}; choose from {", ".join(names)}')
    if args.runs < 1 or args.warmup < 0:
        raise InputError('--runs must be >= 1 and --warmup >= 0')
    return only


def run(args):
    only = check_args(args)
    timing = None if args.no_time else (args.device, args.runs, args.warmup)
    rows = profiling.build_rows(only, args.size, timing)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(profiling.format_table(rows))
    print('\n' + profiling.table_note(args.size, timing))


def main(argv=None):
    run_main(PROG, build_parser, run, argv)


if __name__ == '__main__':
    main()
