"""std-bench: what Space-Time Distillation costs on this device, in one run.

    std-bench                          # real sizes: EDVR-L teacher, FastDVDnetVSR student
    std-bench --quick                  # EDVR-M teacher, small patches: minutes on a CPU
    std-bench --teacher tiny --student tiny --infer-teacher tiny --runs 1 --json
    std-bench --teachers-only --clip-teacher basicvsr --clip-teacher basicvsrpp --patch 64 --batch 1

1. Training: t_student (STDModel without a teacher, one optimize_parameters),
   t_teacher (the teacher's no-grad forward on the same B*N windows) and t_std
   (a full STD iteration); overhead_ratio = t_std / (t_student + t_teacher)
   is what the distillation bookkeeping (taps, attention maps, ConvLSTM,
   adapter) adds beyond running both networks.
2. Teacher forward in fp32, bf16 autocast, bf16 + channels-last; the SD and TD
   losses of one batch with the teacher in fp32 and in bf16.
3. Inference ms per output frame (batch 1) of the student and a teacher, and
   their ratio (STD supplement: EDVR 86 ms / FastDVDnet 17.5 ms = 4.9x on a
   GTX 1080 Ti at 180x120). A clip teacher (basicvsr, iconvsr, basicvsrpp)
   runs on a 7-frame clip, divided by 7.
4. With --clip-teacher: the teacher cost per STD iteration of each recurrent
   clip teacher (one call per clip) on the same clips as the window teacher's
   B*N windows, and window_over_clip = t_teacher / t_clip_teacher.
   --teachers-only runs only these teacher parts.
Weights are random: timings need no trained ones. Each part runs in a fresh
process, which gives each its own peak memory. Times are medians after
warm-up; the min-max spread is printed too.
"""
import dataclasses
import json

from std_plugin.cli.common import add_device, command_parser, run_main
from std_plugin.training.clip_teacher_options import MIN_LR_SIZE
from std_plugin.evaluation.benchmark import presets
from std_plugin.evaluation.benchmark.plan import CLIP_TEACHERS, BenchPlan, run_bench
from std_plugin.evaluation.benchmark.report import report
from std_plugin.evaluation.networks import parse_size
from std_plugin.core.errors import InputError

PROG = 'std-bench'
DEFAULTS = {
    'cpu': dict(batch=2, patch=32, runs=3, warmup=1, teacher='edvr-l', infer_size=(180, 120)),
    'cuda': dict(batch=8, patch=64, runs=10, warmup=3, teacher='edvr-l', infer_size=(180, 120)),
    'quick': dict(batch=1, patch=16, runs=3, warmup=1, teacher='edvr-m', infer_size=(64, 48)),
}


def build_parser():
    parser = command_parser(PROG, __doc__)
    add_device(parser, 'every part runs on')
    parser.add_argument('--batch', type=int, help='clips per iteration (default 2 on CPU, 8 on GPU, 1 --quick)')
    parser.add_argument('--patch', type=int, help='LR patch size, a multiple of 4 (default 32 CPU, 64 GPU, 16 --quick)')
    parser.add_argument('--teacher', choices=sorted(presets.TEACHERS), help='default edvr-l (edvr-m with --quick)')
    parser.add_argument('--student', choices=sorted(presets.STUDENTS), default='fastdvdnet',
                        help='student of the training and inference parts (default: fastdvdnet)')
    parser.add_argument('--infer-teacher', choices=sorted(presets.TEACHERS), default='edvr-l',
                        help='teacher of the inference comparison (default edvr-l, as in the paper)')
    parser.add_argument('--clip-teacher', action='append', default=[], choices=sorted(CLIP_TEACHERS),
                        help='a recurrent teacher whose cost per STD iteration is compared with --teacher\'s on '
                             'the same clips (repeatable)')
    parser.add_argument('--teachers-only', action='store_true',
                        help='time only the teachers per STD iteration (--teacher and each --clip-teacher)')
    parser.add_argument('--infer-size', type=parse_size, help='LR WxH for inference (default 180x120, 64x48 --quick)')
    parser.add_argument('--runs', type=int, help='timed runs per figure, median reported (default 3 CPU, 10 GPU)')
    parser.add_argument('--warmup', type=int, help='untimed runs before timing (default 1 CPU, 3 GPU)')
    parser.add_argument('--quick', action='store_true',
                        help='minutes on a CPU: EDVR-M teacher, batch 1, patch 16, inference at 64x48')
    parser.add_argument('--autocast', choices=['bf16', 'fp16'], help='train.autocast for the student (default fp32)')
    parser.add_argument('--teacher-autocast', choices=['bf16', 'fp16'],
                        help='distill.teacher_autocast in t_teacher and t_std (default fp32)')
    parser.add_argument('--teacher-chunk', type=int, default=0, help='distill.teacher_chunk (default 0: all windows)')
    parser.add_argument('--channels-last', action='store_true', help='train.channels_last in t_student/t_teacher/t_std')
    parser.add_argument('--compile', action='store_true', help='train.compile (torch.compile of the student)')
    parser.add_argument('--threads', type=int,
                        help="CPU threads per part (default: torch's, one per core); 1 steadies figures on a busy CPU")
    parser.add_argument('--json', action='store_true', help='print the figures as one JSON object')
    return parser


def with_defaults(args):
    """Flags left out take the defaults of --quick, else of the device type."""
    defaults = DEFAULTS['quick' if args.quick else args.device.split(':')[0]]
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def check_numbers(args):
    if args.patch <= 0 or args.patch % 4:
        raise InputError(f'--patch must be a positive multiple of 4 (FastDVDnet and EDVR downsample by 4), '
                         f'got {args.patch}')
    for name in args.clip_teacher + [args.teacher]:
        need = MIN_LR_SIZE.get(presets.TEACHERS[name][1]['type'], 0)
        if args.patch < need:
            raise InputError(f'--patch {args.patch}: the {presets.TEACHERS[name][0]} teacher needs LR patches of at '
                             f'least {need} px (use --patch {-(-need // 4) * 4})')
    need = MIN_LR_SIZE.get(presets.TEACHERS[args.infer_teacher][1]['type'], 0)
    if min(args.infer_size) < need:
        raise InputError(f'--infer-size: the {presets.TEACHERS[args.infer_teacher][0]} teacher needs at least '
                         f'{need} px a side')
    if args.batch < 1 or args.runs < 1 or args.warmup < 0 or args.teacher_chunk < 0 or (args.threads or 1) < 1:
        raise InputError('--batch, --runs and --threads must be >= 1, --warmup and --teacher-chunk >= 0')


def plan_of(args):
    """The BenchPlan of parsed, checked arguments."""
    return BenchPlan(**{f.name: getattr(args, f.name) for f in dataclasses.fields(BenchPlan)})


def parse_plan(argv):
    """The BenchPlan of std-bench's argv, with its defaults, checked (InputError)."""
    args = build_parser().parse_args(argv)
    check_numbers(with_defaults(args))
    return plan_of(args)


def run(args):
    check_numbers(with_defaults(args))
    fig = run_bench(plan_of(args))
    print(json.dumps(fig, indent=1) if args.json else report(fig))


def main(argv=None):
    run_main(PROG, build_parser, run, argv)


if __name__ == '__main__':
    main()
