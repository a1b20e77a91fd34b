"""std-bench's figures: the JSON object of one run (headline keys first, then
the details of every part) and the text report made from it."""
import os

import torch

from std_plugin.evaluation.benchmark import presets
from std_plugin.evaluation.benchmark.bench_model import CLIP_FRAMES
from std_plugin.evaluation.benchmark.plan import TEACHER_VARIANTS, clip_key

PAPER_SPEED_RATIO = 86.0 / 17.5  # STD supplement Table 2: EDVR vs FastDVDnet ms/frame, GTX 1080 Ti


def ms(results, key, stat='median_ms'):
    return results[key]['timing'][stat]


def overhead_ratio(results, stat='median_ms'):
    return ms(results, 't_std', stat) / (ms(results, 't_student', stat) + ms(results, 't_teacher', stat))


def relative_differences(losses):
    """|bf16 - fp32| / |fp32| of each loss."""
    fp32, bf16 = losses['fp32'], losses['bf16']
    return {name: abs(bf16[name] - value) / max(abs(value), 1e-30) for name, value in fp32.items()}


def clip_teacher_figures(plan, results):
    """t_teacher of each clip teacher, and the window teacher's time over it."""
    return {presets.TEACHERS[name][0]: dict(t_teacher_ms=ms(results, clip_key(name)),
                                            window_over_clip=ms(results, 't_teacher') / ms(results, clip_key(name)))
            for name in plan.clip_teacher}


def settings(plan, cfg, load_average):
    return dict(batch=plan.batch, clip_frames=CLIP_FRAMES, windows=plan.batch * CLIP_FRAMES, patch=plan.patch,
                student=presets.STUDENTS[plan.student][0], teacher=presets.TEACHERS[plan.teacher][0],
                infer_teacher=presets.TEACHERS[plan.infer_teacher][0], infer_size='{}x{}'.format(*plan.infer_size),
                runs=plan.runs, warmup=plan.warmup, train=cfg.train, distill=cfg.distill,
                threads=plan.threads or torch.get_num_threads(), load_average=load_average)


def teacher_only_figures(plan, cfg, results, load_average):
    return dict(device=device_name(plan.device), t_teacher_ms=ms(results, 't_teacher'),
                clip_teachers=clip_teacher_figures(plan, results), settings=settings(plan, cfg, load_average),
                parts={key: dict(result, peak_mb=round(result['peak_mb'], 1)) for key, result in results.items()})


def figures(plan, cfg, results, load_average):
    """The JSON object: headline keys first, then the details."""
    if plan.teachers_only:
        return teacher_only_figures(plan, cfg, results, load_average)
    losses = results['losses']['losses']
    return dict(
        device=device_name(plan.device), overhead_ratio=overhead_ratio(results),
        # the fastest runs are the least disturbed by other jobs on a shared machine
        overhead_ratio_of_minimums=overhead_ratio(results, 'min_ms'),
        teacher_bf16_speedup=ms(results, 'teacher fp32') / ms(results, 'teacher bf16'),
        teacher_bf16_channels_last_speedup=ms(results, 'teacher fp32') / ms(results, 'teacher bf16 + channels_last'),
        student_ms=ms(results, 'infer student'), teacher_ms=ms(results, 'infer teacher'),
        speed_ratio=ms(results, 'infer teacher') / ms(results, 'infer student'), paper_speed_ratio=PAPER_SPEED_RATIO,
        t_student_ms=ms(results, 't_student'), t_teacher_ms=ms(results, 't_teacher'), t_std_ms=ms(results, 't_std'),
        losses_fp32_teacher=losses['fp32'], losses_bf16_teacher=losses['bf16'],
        losses_relative_difference=relative_differences(losses), clip_teachers=clip_teacher_figures(plan, results),
        settings=settings(plan, cfg, load_average),
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
