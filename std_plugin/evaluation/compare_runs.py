"""What std-compare does once its arguments are parsed: check the option file
and the arms, plan one run per arm and seed from the same initial weights,
train what is not finished through the train pipeline, and write the table
and curves (see cli/compare.py for the command and its outputs)."""
import hashlib
import json
import os.path as osp
from pathlib import Path

import yaml
from tqdm import tqdm

from std_plugin.evaluation.bicubic_reference import references
from std_plugin.evaluation.compare_arms import (check_arms, check_student_init, check_teacher_files, given_init,
                                                parse_arms, seeded_run)
from std_plugin.evaluation.compare_budget import apply_budget, check_validation, val_phases
from std_plugin.evaluation.compare_inputs import RunInputs, changed, read_inputs, write_inputs
from std_plugin.evaluation.compare_lanes import in_lanes, lane_env
from std_plugin.evaluation.compare_pisr import ARM as PISR, check_pisr_teacher, pisr_note, read_pisr_options, with_pisr
from std_plugin.evaluation.compare_plot import plot_curves
from std_plugin.evaluation.compare_stats import compare
from std_plugin.evaluation.compare_table import metric_label, render_csv, render_markdown
from std_plugin.evaluation.teacher_check import before_training
from std_plugin.core.disk_errors import named_writes
from std_plugin.core.errors import InputError
from std_plugin.training.pipeline_runs import ignored_folder, run_pipeline, save_initial_weights, write_options
from std_plugin.training.run_lock import exclusive_run
from std_plugin.training.val_history import FILE_NAME, read_history

PROG = 'std-compare'


def read_options(path):
    if not osp.isfile(path):
        raise InputError(f'option file {path} does not exist')
    try:
        with open(path) as f:
            opt = yaml.safe_load(f)
    except yaml.YAMLError as err:
        raise InputError(f'option file {path} is not valid YAML: {str(err).splitlines()[0]}') from None
    if not isinstance(opt, dict) or not opt.get('name') or not isinstance(opt.get('train'), dict):
        raise InputError(f'option file {path} is not a BasicSR training option file (name, train)')
    return opt


def init_file(folder, opt, seed):
    """The initial student weights of a seed; the name changes with network_g."""
    digest = hashlib.sha1(json.dumps(opt['network_g'], sort_keys=True).encode()).hexdigest()[:8]
    return Path(folder, f'student_init_s{seed}_{digest}.pth')


def plan(opt, arms, seeds, folder, pisr=None):
    """[(arm, seed, run options)] in training order (seed by seed)."""
    runs = []
    for seed in seeds:
        init = given_init(opt) or init_file(folder, opt, seed)
        for arm in arms:
            run = seeded_run(opt, arm, seed, init)
            if run.get('network_t'):  # checked once before the first run (teacher_check.before_training)
                run['distill'] = dict(run.get('distill') or {}, teacher_check=0)
            runs.append((arm, seed, with_pisr(run, pisr) if arm == PISR else run))
    return runs


def val_names(opt):
    return [opt['datasets'][phase]['name'] for phase in val_phases(opt)]


def finished(root, run_opt, option_file):
    """net_g_latest.pth, a validation of every val dataset at the last
    iteration, and the same options as the run was trained with."""
    exp = Path(root, 'experiments', run_opt['name'])
    history = read_history(exp / FILE_NAME)
    last = run_opt['train']['total_iter']
    same = option_file.is_file() and yaml.safe_load(option_file.read_text()) == run_opt
    return same and (exp / 'models' / 'net_g_latest.pth').is_file() and \
        all(last in history.get(name, {}) for name in val_names(run_opt))


def inputs_file(option_file):
    """Where the content of a run's input files is recorded when it starts training."""
    return option_file.with_suffix('.inputs.json')


def stale_inputs(recorded, current):
    """Why a finished run with the same options must be trained again, or '' when it need not."""
    if recorded is None:
        return 'no record of its input files\' content (trained before std-compare kept one)'
    keys = changed(recorded, current)
    if not keys:
        return ''
    named = ', '.join(f'{k} ({(current.get(k) or recorded.get(k))["path"]})' for k in keys[:3])
    return f'the content of {named}{" and more" if len(keys) > 3 else ""} changed since it was trained'


def train_runs(root, runs, folder, fresh, own_init=True, jobs=1):
    """Train what is not finished, `jobs` runs at a time (compare_lanes)."""
    if own_init:  # before any lane starts: two arms of a seed would write the same file at once
        for _, seed, run_opt in runs:
            save_initial_weights(run_opt['path']['pretrain_network_g'], run_opt['network_g'], seed)
    inputs = RunInputs(root)
    digests = {run_opt['name']: inputs.of(run_opt) for _, _, run_opt in runs}  # each file read once
    bar = tqdm(total=len(runs), desc=PROG, unit='run')

    def one(run):
        run_opt = run[2]
        bar.set_postfix_str(run_opt['name'])
        option_file = Path(folder, f'{run_opt["name"]}.yml')
        option_file.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_run(option_file.with_suffix('.lock'), lambda: bar.write(
                f'{PROG}: waiting for {run_opt["name"]}: another process is training it')):
            train_run(root, run_opt, option_file, fresh, digests[run_opt['name']], bar.write, lane_env(jobs))

    in_lanes(one, runs, jobs, done=lambda run: bar.update())
    bar.close()


def train_run(root, run_opt, option_file, fresh, digests, say=print, env=None):
    """Train one run unless it is finished with the same options and the same
    input content (compare_inputs); a finished run retrained says why. The
    experiment folder of a run trained again is kept by BasicSR, renamed
    <name>_archived_<time>."""
    if not fresh and finished(root, run_opt, option_file):
        why = stale_inputs(read_inputs(inputs_file(option_file)), digests)
        if not why:
            return
        say(f'{PROG}: retraining {run_opt["name"]}: {why}')
    write_options(option_file, run_opt)
    write_inputs(inputs_file(option_file), digests)
    run_pipeline(root, 'train', str(option_file), prog=PROG, log=option_file.with_suffix('.log'), env=env)


def histories_of(root, runs):
    out = {}
    for arm, seed, run_opt in runs:
        out.setdefault(arm, {})[seed] = read_history(Path(root, 'experiments', run_opt['name'], FILE_NAME))
    return out


def report(opt, arms, seeds, histories, out_dir, pisr=None, root='.'):
    """Prints the Markdown table; writes it, the CSV and the curves under out_dir."""
    metric_opts = opt['val']['metrics']
    metrics, datasets = list(metric_opts), val_names(opt)
    refs = references(opt, root)
    tables = compare(histories, arms, seeds, opt['train']['total_iter'], datasets, metrics, refs)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f'compare_{opt["name"]}'
    markdown = render_markdown(tables, metric_opts) + (pisr_note(pisr) if pisr else '') + init_note(opt)
    print(markdown)
    for path, text in ((f'{stem}.md', markdown), (f'{stem}.csv', render_csv(tables))):
        with named_writes(path):
            Path(path).write_text(text)
    metric = 'psnr' if 'psnr' in metrics else metrics[0]
    png = plot_curves(histories, arms, datasets, metric, metric_label(metric, metric_opts[metric]),
                      out_dir / f'curves_{opt["name"]}.png', refs)
    return [f'{stem}.md', f'{stem}.csv', png]


def init_note(opt):
    init = given_init(opt)
    return f'\nEvery arm of every seed started from {init} (path.pretrain_network_g).\n' if init else ''


def compare_arms(option_file, arms=('baseline', 'std'), seeds=(0, 1), *, iters=None, val_freq=None, root='.',
                 out=None, fresh=False, pisr_opt=None, jobs=1):
    """std-compare's work: train every arm of `arms` (names of ARMS) for every
    seed of `seeds` from the STD option file `option_file` (paths relative to
    `root`), then write the table and curves to `out` (default
    <root>/results/compare_<name>). iters/val_freq: None keeps the file's.
    A finished run is reused unless `fresh`; `jobs` runs train at a time."""
    opt = read_options(option_file)
    arms = parse_arms(','.join(arms))  # the same checks as --arms
    check_validation(opt, option_file)
    check_arms(opt, arms, option_file)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise InputError('--seeds: no seeds to run; expected at least one')
    root = Path(osp.abspath(root))
    check_teacher_files(opt, arms, root)
    check_student_init(opt, root)
    pisr = read_pisr_options(pisr_opt, opt, arms)
    check_pisr_teacher(pisr, root)
    before_training(opt, arms, root, PROG)
    opt = apply_budget(opt, iters, val_freq)
    folder = ignored_folder(root / 'compare_options') / opt['name']
    runs = plan(opt, arms, seeds, folder, pisr)
    if jobs < 1:
        raise InputError(f'--jobs: {jobs} is not a positive number of parallel runs')
    train_runs(root, runs, folder, fresh, own_init=not given_init(opt), jobs=jobs)
    out_dir = Path(out) if out else root / 'results' / f'compare_{opt["name"]}'
    written = report(opt, arms, seeds, histories_of(root, runs), out_dir, pisr, root)
    print(f'{PROG}: wrote {", ".join(written)}')
