"""std-bench's plan: what to time (BenchPlan, its flags as typed fields), each
part as (key, function, arguments), run each in a fresh process, and the
figures of the whole run (report.py turns them into JSON keys and text)."""
import dataclasses
import os
import sys
import tempfile
from typing import Optional, Sequence, Tuple

from tqdm import tqdm

from std_plugin.training.clip_teacher_options import is_clip_network
from std_plugin.evaluation.benchmark import parts, presets
from std_plugin.evaluation.benchmark.bench_model import BenchConfig
from std_plugin.evaluation.benchmark.isolated import run_isolated

CLIP_TEACHERS = [name for name, (_, opt) in presets.TEACHERS.items() if is_clip_network(opt)]
# (label, distill.teacher_autocast, train.channels_last)
TEACHER_VARIANTS = [('fp32', None, False), ('bf16', 'bf16', False), ('bf16 + channels_last', 'bf16', True)]


@dataclasses.dataclass
class BenchPlan:
    """What one std-bench run times (names of presets.STUDENTS / TEACHERS)."""
    device: str = 'cpu'
    batch: int = 2  # clips per iteration
    patch: int = 32  # LR patch side, a multiple of 4
    teacher: str = 'edvr-l'
    student: str = 'fastdvdnet'
    infer_teacher: str = 'edvr-l'
    clip_teacher: Sequence[str] = ()
    teachers_only: bool = False
    infer_size: Tuple[int, int] = (180, 120)  # LR (W, H) for inference
    runs: int = 3
    warmup: int = 1
    autocast: Optional[str] = None
    teacher_autocast: Optional[str] = None
    teacher_chunk: int = 0
    channels_last: bool = False
    compile: bool = False
    threads: Optional[int] = None  # CPU threads per part (None: torch's)


def bench_config(plan, workdir):
    train = {key: value for key, value in dict(autocast=plan.autocast, channels_last=plan.channels_last,
                                                compile=plan.compile).items() if value}
    distill = dict(teacher_autocast=plan.teacher_autocast, teacher_chunk=plan.teacher_chunk)
    return BenchConfig(device=plan.device, batch=plan.batch, patch=plan.patch,
                       network_g=presets.STUDENTS[plan.student][1], network_t=presets.TEACHERS[plan.teacher][1],
                       workdir=workdir, runs=plan.runs, warmup=plan.warmup, train=train, distill=distill)


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


def jobs(plan, cfg):
    """(key, function, arguments) of every part, in the order they run."""
    variants, main = teacher_variants(cfg)
    precision = next(rest for key, *rest in variants if key == main)  # clip teachers run as t_teacher does
    clips = [(clip_key(name), parts.teacher_forward, (clip_config(cfg, name), *precision))
             for name in plan.clip_teacher]
    if plan.teachers_only:
        return [(main, parts.teacher_forward, (cfg, *precision))] + clips
    student, teacher = presets.STUDENTS[plan.student], presets.TEACHERS[plan.infer_teacher]
    return ([('t_student', parts.train_iteration, (cfg, False))]
            + [(key, parts.teacher_forward, (cfg, precision, cl)) for key, precision, cl in variants] + clips
            + [('t_std', parts.train_iteration, (cfg, True)), ('losses', parts.distillation_losses, (cfg,)),
               ('infer student', parts.inference, (cfg, *student, plan.infer_size)),
               ('infer teacher', parts.inference, (cfg, *teacher, plan.infer_size))])


def run_parts(plan, cfg):
    results = {key: run_isolated(fn, cfg.device, *fn_plan, threads=plan.threads)
               for key, fn, fn_plan in tqdm(jobs(plan, cfg), desc='std-bench', file=sys.stderr)}
    results.setdefault('t_teacher', results[teacher_variants(cfg)[1]])
    return results


def run_bench(plan):
    """The figures (report.figures) of every part of `plan`, each timed in its own process."""
    from std_plugin.evaluation.benchmark.report import figures
    with tempfile.TemporaryDirectory(prefix='std_bench_') as workdir:
        cfg = bench_config(plan, workdir)
        for config in [cfg] + [clip_config(cfg, name) for name in plan.clip_teacher]:
            config.write_teacher()
        load_average = os.getloadavg()[0]  # other jobs on the cores skew the times: say how busy it was
        return figures(plan, cfg, run_parts(plan, cfg), load_average)
