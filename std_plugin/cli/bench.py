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
import argparse
import dataclasses
import json
import os
import sys
import tempfile

import torch
from tqdm import tqdm

import std_plugin  # noqa: F401  (registers the plugin; aliases torchvision for basicsr)
from std_plugin.training.clip_teacher_options import MIN_LR_SIZE, is_clip_network
from std_plugin.evaluation.benchmark import parts, presets
from std_plugin.evaluation.benchmark.bench_model import CLIP_FRAMES, BenchConfig
from std_plugin.evaluation.benchmark.isolated import run_isolated
from std_plugin.evaluation.networks import parse_size
from std_plugin.training.errors import run_command

CLIP_TEACHERS = [name for name, (_, opt) in presets.TEACHERS.items() if is_clip_network(opt)]
PAPER_SPEED_RATIO = 86.0 / 17.5  # STD supplement Table 2: EDVR vs FastDVDnet ms/frame, GTX 1080 Ti
DEFAULTS = {
    'cpu': dict(batch=2, patch=32, runs=3, warmup=1, teacher='edvr-l', infer_size=(180, 120)),
    'cuda': dict(batch=8, patch=64, runs=10, warmup=3, teacher='edvr-l', infer_size=(180, 120)),
    'quick': dict(batch=1, patch=16, runs=3, warmup=1, teacher='edvr-m', infer_size=(64, 48)),
}
# (label, distill.teacher_autocast, train.channels_last)
TEACHER_VARIANTS = [('fp32', None, False), ('bf16', 'bf16', False), ('bf16 + channels_last', 'bf16', True)]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='std-bench', description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split('\n\n', 1)[1])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='cpu or cuda[:N] (default: cuda if available)')
    parser.add_argument('--batch', type=int, help='clips per iteration (default 2 on CPU, 8 on GPU, 1 --quick)')
    parser.add_argument('--patch', type=int, help='LR patch size, a multiple of 4 (default 32 CPU, 64 GPU, 16 --quick)')
    parser.add_argument('--teacher', choices=sorted(presets.TEACHERS), help='default edvr-l (edvr-m with --quick)')
    parser.add_argument('--student', choices=sorted(presets.STUDENTS), default='fastdvdnet')
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
    args = parser.parse_args(argv)
    check_device(parser, args.device)
    defaults = DEFAULTS['quick' if args.quick else torch.device(args.device).type]
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    check_numbers(parser, args)
    return args


def check_device(parser, name):
    try:
        device = torch.device(name)
    except RuntimeError as err:
        parser.error(f'--device: {err}')
    if device.type not in ('cpu', 'cuda'):
        parser.error(f'--device: cpu or cuda[:N], got {name!r}')
    if device.type == 'cuda' and not torch.cuda.is_available():
        parser.error(f'--device {name}: CUDA is not available here (use --device cpu)')


def check_numbers(parser, args):
    if args.patch <= 0 or args.patch % 4:
        parser.error(f'--patch must be a positive multiple of 4 (FastDVDnet and EDVR downsample by 4), '
                     f'got {args.patch}')
    for name in args.clip_teacher + [args.teacher]:
        need = MIN_LR_SIZE.get(presets.TEACHERS[name][1]['type'], 0)
        if args.patch < need:
            parser.error(f'--patch {args.patch}: the {presets.TEACHERS[name][0]} teacher needs LR patches of at '
                         f'least {need} px (use --patch {-(-need // 4) * 4})')
    need = MIN_LR_SIZE.get(presets.TEACHERS[args.infer_teacher][1]['type'], 0)
    if min(args.infer_size) < need:
        parser.error(f'--infer-size: the {presets.TEACHERS[args.infer_teacher][0]} teacher needs at least {need} px '
                     'a side')
    if args.batch < 1 or args.runs < 1 or args.warmup < 0 or args.teacher_chunk < 0 or (args.threads or 1) < 1:
        parser.error('--batch, --runs and --threads must be >= 1, --warmup and --teacher-chunk >= 0')


def bench_config(args, workdir):
    train = {key: value for key, value in dict(autocast=args.autocast, channels_last=args.channels_last,
                                                compile=args.compile).items() if value}
    distill = dict(teacher_autocast=args.teacher_autocast, teacher_chunk=args.teacher_chunk)
    return BenchConfig(device=args.device, batch=args.batch, patch=args.patch,
                       network_g=presets.STUDENTS[args.student][1], network_t=presets.TEACHERS[args.teacher][1],
                       workdir=workdir, runs=args.runs, warmup=args.warmup, train=train, distill=distill)


def clip_config(cfg, name):
    """The same clips and settings, with the clip teacher `name`."""
    return dataclasses.replace(cfg, network_t=presets.TEACHERS[name][1], teacher_name=name)


def clip_key(name):
    return f'clip teacher {presets.TEACHERS[name][0]}'


def teacher_variants(cfg):
    """[(key, teacher_autocast, channels_last)] of the teacher forwards to time, and
    the key of the one t_teacher uses (the precision t_std runs the teacher at)."""
    variants = [(f'teacher {label}', precision, cl) for label, precision, cl in TEACHER_VARIANTS]
    wanted = (cfg.distill['teacher_autocast'], bool(cfg.train.get('channels_last')))
    main = next((key for key, precision, cl in variants if (precision, cl) == wanted), 't_teacher')
    if main == 't_teacher':
        variants.append((main, *wanted))
    return variants, main


def jobs(args, cfg):
    """(key, function, arguments) of every part, in the order they run."""
    variants, main = teacher_variants(cfg)
    precision = next(rest for key, *rest in variants if key == main)  # clip teachers run as t_teacher does
    clips = [(clip_key(name), parts.teacher_forward, (clip_config(cfg, name), *precision))
             for name in args.clip_teacher]
    if args.teachers_only:
        return [(main, parts.teacher_forward, (cfg, *precision))] + clips
    student, teacher = presets.STUDENTS[args.student], presets.TEACHERS[args.infer_teacher]
    return ([('t_student', parts.train_iteration, (cfg, False))]
            + [(key, parts.teacher_forward, (cfg, precision, cl)) for key, precision, cl in variants] + clips
            + [('t_std', parts.train_iteration, (cfg, True)), ('losses', parts.distillation_losses, (cfg,)),
               ('infer student', parts.inference, (cfg, *student, args.infer_size)),
               ('infer teacher', parts.inference, (cfg, *teacher, args.infer_size))])


def run_parts(args, cfg):
    results = {key: run_isolated(fn, cfg.device, *fn_args, threads=args.threads)
               for key, fn, fn_args in tqdm(jobs(args, cfg), desc='std-bench', file=sys.stderr)}
    results.setdefault('t_teacher', results[teacher_variants(cfg)[1]])
    return results


def ms(results, key, stat='median_ms'):
    return results[key]['timing'][stat]


def overhead_ratio(results, stat='median_ms'):
    return ms(results, 't_std', stat) / (ms(results, 't_student', stat) + ms(results, 't_teacher', stat))


def relative_differences(losses):
    """|bf16 - fp32| / |fp32| of each loss."""
    fp32, bf16 = losses['fp32'], losses['bf16']
    return {name: abs(bf16[name] - value) / max(abs(value), 1e-30) for name, value in fp32.items()}


def clip_teacher_figures(args, results):
    """t_teacher of each clip teacher, and the window teacher's time over it."""
    return {presets.TEACHERS[name][0]: dict(t_teacher_ms=ms(results, clip_key(name)),
                                            window_over_clip=ms(results, 't_teacher') / ms(results, clip_key(name)))
            for name in args.clip_teacher}


def settings(args, cfg, load_average):
    return dict(batch=args.batch, clip_frames=CLIP_FRAMES, windows=args.batch * CLIP_FRAMES, patch=args.patch,
                student=presets.STUDENTS[args.student][0], teacher=presets.TEACHERS[args.teacher][0],
                infer_teacher=presets.TEACHERS[args.infer_teacher][0], infer_size='{}x{}'.format(*args.infer_size),
                runs=args.runs, warmup=args.warmup, train=cfg.train, distill=cfg.distill,
                threads=args.threads or torch.get_num_threads(), load_average=load_average)


def teacher_only_figures(args, cfg, results, load_average):
    return dict(device=device_name(args.device), t_teacher_ms=ms(results, 't_teacher'),
                clip_teachers=clip_teacher_figures(args, results), settings=settings(args, cfg, load_average),
                parts={key: dict(result, peak_mb=round(result['peak_mb'], 1)) for key, result in results.items()})


def figures(args, cfg, results, load_average):
    """The JSON object: headline keys first, then the details."""
    if args.teachers_only:
        return teacher_only_figures(args, cfg, results, load_average)
    losses = results['losses']['losses']
    return dict(
        device=device_name(args.device), overhead_ratio=overhead_ratio(results),
        # the fastest runs are the least disturbed by other jobs on a shared machine
        overhead_ratio_of_minimums=overhead_ratio(results, 'min_ms'),
        teacher_bf16_speedup=ms(results, 'teacher fp32') / ms(results, 'teacher bf16'),
        teacher_bf16_channels_last_speedup=ms(results, 'teacher fp32') / ms(results, 'teacher bf16 + channels_last'),
        student_ms=ms(results, 'infer student'), teacher_ms=ms(results, 'infer teacher'),
        speed_ratio=ms(results, 'infer teacher') / ms(results, 'infer student'), paper_speed_ratio=PAPER_SPEED_RATIO,
        t_student_ms=ms(results, 't_student'), t_teacher_ms=ms(results, 't_teacher'), t_std_ms=ms(results, 't_std'),
        losses_fp32_teacher=losses['fp32'], losses_bf16_teacher=losses['bf16'],
        losses_relative_difference=relative_differences(losses), clip_teachers=clip_teacher_figures(args, results),
        settings=settings(args, cfg, load_average),
        parts={key: dict(result, peak_mb=round(result['peak_mb'], 1)) for key, result in results.items()})


def device_name(device):
    device = torch.device(device)
    return torch.cuda.get_device_name(device) if device.type == 'cuda' else f'cpu ({os.cpu_count()} cores)'


def timing_cell(part):
    t = part['timing']
    return f"{t['median_ms']:10.1f} ms  ({t['min_ms']:.1f}-{t['max_ms']:.1f})  peak {part['peak_mb']:8.1f} MiB"


def training_lines(fig):
    s, p = fig['settings'], fig['parts']
    lines = [f"training: batch {s['batch']} x {s['clip_frames']} frames = {s['windows']} windows of LR "
             f"{s['patch']}x{s['patch']}; student {s['student']}, teacher {s['teacher']}; train {s['train'] or 'fp32'}, "
             f"distill {s['distill']}; median of {s['runs']} after {s['warmup']} warm-up"]
    lines += [f'  {label:<32}{timing_cell(p[key])}' for label, key in [
        ('t_student (student alone)', 't_student'), ('t_teacher (no-grad forward)', 't_teacher'),
        ('t_std (student+teacher+SD+TD)', 't_std')]]
    return lines + [f"overhead_ratio = t_std / (t_student + t_teacher) = {fig['overhead_ratio']:.3f} "
                    f"(of the minimums: {fig['overhead_ratio_of_minimums']:.3f})"]


def teacher_lines(fig):
    p = fig['parts']
    lines = ['teacher forward on the same windows']
    lines += [f'  {label:<32}{timing_cell(p["teacher " + label])}' for label, _, _ in TEACHER_VARIANTS]
    lines += [f"teacher_bf16_speedup = {fig['teacher_bf16_speedup']:.2f}x "
              f"(bf16 + channels_last: {fig['teacher_bf16_channels_last_speedup']:.2f}x)",
              'distillation losses of one batch (weighted, as logged), teacher fp32 vs bf16']
    for name, diff in fig['losses_relative_difference'].items():
        lines.append(f"  {name:<6} fp32 {fig['losses_fp32_teacher'][name]:.6g}  bf16 "
                     f"{fig['losses_bf16_teacher'][name]:.6g}  relative difference {diff:.2e}")
    return lines


def inference_lines(fig):
    s, p = fig['settings'], fig['parts']
    return [f"inference, one output frame, batch 1, LR {s['infer_size']}",
            f"  {s['student']:<32}{timing_cell(p['infer student'])}",
            f"  {s['infer_teacher']:<32}{timing_cell(p['infer teacher'])}",
            f"speed_ratio = {fig['speed_ratio']:.2f}x (paper: 86 / 17.5 = {fig['paper_speed_ratio']:.1f}x, "
            'GTX 1080 Ti, 180x120)']


def clip_teacher_lines(fig):
    s, p = fig['settings'], fig['parts']
    lines = [f"teacher cost per STD iteration on the same {s['batch']} clip(s) of {s['clip_frames']} frames, LR "
             f"{s['patch']}x{s['patch']}: the window teacher on {s['windows']} windows, each clip teacher once per "
             'clip',
             f"  {s['teacher'] + ' (windows)':<32}{timing_cell(p['t_teacher'])}"]
    for label, clip in fig['clip_teachers'].items():
        lines.append(f"  {label + ' (clips)':<32}{timing_cell(p['clip teacher ' + label])}  "
                     f"window_over_clip = {clip['window_over_clip']:.1f}x")
    return lines


def report(fig):
    s = fig['settings']
    head = [f"std-bench on {fig['device']}, {s['threads']} threads, load average {s['load_average']:.1f} at start"]
    foot = ['ms: median (min-max). peak: on CPU the growth of peak RSS in a fresh process running only that part '
            '(weights, optimizer state, activations); on GPU torch.cuda.max_memory_allocated.']
    clips = [clip_teacher_lines(fig)] if fig['clip_teachers'] else []
    if 'overhead_ratio' not in fig:  # --teachers-only
        return '\n\n'.join('\n'.join(lines) for lines in [head] + clips + [foot])
    sections = [head, training_lines(fig), teacher_lines(fig), *clips, inference_lines(fig), foot]
    return '\n\n'.join('\n'.join(lines) for lines in sections)


def main(argv=None):
    run_command('std-bench', parse_args, run, argv)


def run(args):
    with tempfile.TemporaryDirectory(prefix='std_bench_') as workdir:
        cfg = bench_config(args, workdir)
        for config in [cfg] + [clip_config(cfg, name) for name in args.clip_teacher]:
            config.write_teacher()
        load_average = os.getloadavg()[0]  # other jobs on the cores skew the times: say how busy it was
        fig = figures(args, cfg, run_parts(args, cfg), load_average)
    print(json.dumps(fig, indent=1) if args.json else report(fig))


if __name__ == '__main__':
    main()
