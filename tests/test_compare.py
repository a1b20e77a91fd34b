"""std-compare and the validation history it reads: aggregation by hand, the
arms' option files, one tiny end-to-end comparison (and its reuse), the
val_metrics.jsonl line against BasicSR's own validation log, bad input."""
import csv
import fcntl
import hashlib
import json
import math
import os
import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml

from basicsr.archs import build_network
from basicsr.utils import mkdir_and_rename
from std_plugin.cli import compare as compare_cli
from std_plugin.evaluation import compare_inputs, compare_runs
from std_plugin.evaluation.compare_budget import apply_budget
from std_plugin.evaluation.compare_inputs import content_digest
from std_plugin.evaluation.compare_runs import init_note, plan
from std_plugin.evaluation.compare_stats import REFERENCE, compare
from std_plugin.evaluation.compare_table import render_csv, render_markdown
from std_plugin.training import pipeline_runs
from std_plugin.training.val_history import FILE_NAME, read_history, record_validation, validation_record
from tests.conftest import add_teacher, base_options, write_yaml

METRICS = dict(psnr=dict(type='calculate_psnr', crop_border=0, test_y_channel=True),
               ssim=dict(type='calculate_ssim', crop_border=0, test_y_channel=True))


def write_history(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return path


def line(it, psnr, ssim, dataset='Vid4'):
    return {'iter': it, 'dataset': dataset, 'metrics': {'psnr': psnr, 'ssim': ssim}, 'clips': {}}


def test_aggregation_by_hand(tmp_path):
    final = {('baseline', 0): (25.0, 0.70), ('baseline', 1): (25.4, 0.74),
             ('std', 0): (25.3, 0.72), ('std', 1): (25.5, 0.75)}
    histories = {}
    for (arm, seed), (psnr, ssim) in final.items():
        # a stale line for iteration 4 first: the last line of an iteration wins
        path = write_history(tmp_path / f'{arm}{seed}' / FILE_NAME,
                             [line(2, 20.0, 0.5), line(4, 1.0, 0.1), line(4, psnr, ssim)])
        histories.setdefault(arm, {})[seed] = read_history(path)
    assert list(histories['std'][1]['Vid4']) == [2, 4]
    (table,) = compare(histories, ['baseline', 'std'], [0, 1], 4, ['Vid4'], ['psnr', 'ssim'])
    rows = {row.label: row.cells for row in table.rows}
    assert list(rows) == ['baseline', 'std', 'std - baseline']
    expected = {  # (mean, sample std) by hand
        'baseline': {'psnr': (25.2, math.sqrt(0.08)), 'ssim': (0.72, math.sqrt(0.0008))},
        'std': {'psnr': (25.4, math.sqrt(0.02)), 'ssim': (0.735, math.sqrt(0.00045))},
        'std - baseline': {'psnr': (0.2, math.sqrt(0.02)), 'ssim': (0.015, math.sqrt(0.00005))},
    }
    for label, metrics in expected.items():
        for metric, (mean, std) in metrics.items():
            cell = rows[label][metric]
            assert cell.mean == pytest.approx(mean, abs=1e-9) and cell.std == pytest.approx(std, abs=1e-9)
    assert rows['std - baseline']['psnr'].values == pytest.approx([0.3, 0.1])
    markdown = render_markdown([table], METRICS)
    assert '**Vid4, iteration 4: 2 seeds (0, 1)**' in markdown
    # SE = sd / sqrt(2); CI = mean -/+ t(1, 0.975) SE, t(1, 0.975) = 12.7062; p: t = mean / SE with 1 degree
    # of freedom, p = 1 - 2 atan(t) / pi: t = 2 -> 0.295, t = 3 -> 0.205
    assert '| std - baseline (paired) | 2 | +0.20 | 0.14 | 0.10 | [-1.07, +1.47] | 0.295 | +0.0150 | 0.0071 | ' \
           '0.0050 | [-0.0485, +0.0785] | 0.205 |' in markdown
    assert '| baseline | 2 | 25.20 | 0.28 | 0.20 | [22.66, 27.74] |  | 0.7200 | 0.0283 | 0.0200 | [0.4659, 0.9741] |  |' \
        in markdown
    csv_rows = list(csv.DictReader(render_csv([table]).splitlines()))
    gain = next(r for r in csv_rows if r['row'] == 'std - baseline' and r['metric'] == 'psnr')
    assert (gain['n'], gain['mean'], gain['std_sample'], gain['se'], gain['values']) == \
        ('2', '0.200000', '0.141421', '0.100000', '0.300000 0.100000')
    assert (gain['ci95_low'], gain['ci95_high'], gain['p_paired']) == ('-1.070620', '1.470620', '0.295167')


def fake_model(metric_results, exp, is_train=True):
    opt = dict(is_train=is_train, val=dict(metrics=METRICS), train=dict(total_iter=4),
               path=dict(experiments_root=str(exp)))
    return SimpleNamespace(opt=opt, metric_results=metric_results)


def test_history_line_averages_frames_then_clips(tmp_path):
    results = {'a': torch.tensor([[20., .5], [22., .7]]), 'b': torch.tensor([[30., .9], [30., .9], [33., .6]])}
    record_validation(fake_model(results, tmp_path), 'Vid4', 5)  # BasicSR's final validation: total_iter + 1
    record_validation(fake_model(results, tmp_path, is_train=False), 'Vid4', 5)  # test runs write nothing
    (written,) = [json.loads(x) for x in (tmp_path / FILE_NAME).read_text().splitlines()]
    assert written['iter'] == 4 and written['dataset'] == 'Vid4'
    assert written['clips']['a'] == pytest.approx({'psnr': 21.0, 'ssim': 0.6})
    assert written['clips']['b'] == pytest.approx({'psnr': 31.0, 'ssim': 0.8})
    assert written['metrics'] == pytest.approx({'psnr': 26.0, 'ssim': 0.7})
    assert written == json.loads(json.dumps(validation_record(results, list(METRICS), 4, 'Vid4')))


def std_options(tiny_root, teacher_ckpt, iters=4):
    opt = add_teacher(base_options('cmp', tiny_root, iters=iters), teacher_ckpt)
    opt['val']['metrics'] = dict(METRICS)
    opt['train']['scheduler'] = dict(type='CosineAnnealingRestartLR', periods=[100, 300], restart_weights=[1, 1],
                                     eta_min=1e-5)
    opt['train']['total_iter'] = 400
    opt['logger']['save_checkpoint_freq'] = 1000
    return opt


def test_arm_options_share_one_init_per_seed(tmp_path, tiny_root):
    opt = apply_budget(std_options(tiny_root, 'teacher.pth'), iters=8, val_freq=2)
    assert opt['train']['total_iter'] == 8 and opt['train']['scheduler']['periods'] == [2, 6]
    assert opt['val']['val_freq'] == 2 and opt['logger']['save_checkpoint_freq'] == 8
    runs = plan(opt, ['baseline', 'std', 'sd', 'td'], [0, 3], tmp_path)
    by_name = {run['name']: (arm, seed, run) for arm, seed, run in runs}
    assert list(by_name) == [f'cmp_compare_{arm}_s{seed}' for seed in (0, 3) for arm in ('baseline', 'std', 'sd', 'td')]
    base = by_name['cmp_compare_baseline_s0'][2]
    assert not {'network_t', 'network_lstm', 'distill'} & set(base)
    assert not {'sd_opt', 'td_opt'} & set(base['train'])
    assert not {'pretrain_network_t', 'param_key_t', 'strict_load_t'} & set(base['path'])
    std = by_name['cmp_compare_std_s0'][2]
    assert std['network_t'] == opt['network_t'] and {'sd_opt', 'td_opt'} <= set(std['train'])
    assert 'td_opt' not in by_name['cmp_compare_sd_s0'][2]['train']
    assert 'network_lstm' not in by_name['cmp_compare_sd_s0'][2]
    assert 'sd_opt' not in by_name['cmp_compare_td_s0'][2]['train']
    for seed in (0, 3):
        seed_runs = [run for arm, s, run in runs if s == seed]
        inits = {run['path']['pretrain_network_g'] for run in seed_runs}
        assert len(inits) == 1 and {run['manual_seed'] for run in seed_runs} == {seed}
        saved = torch.load(pipeline_runs.save_initial_weights(inits.pop(), opt['network_g'], seed),
                           weights_only=True)['params']
        torch.manual_seed(seed)
        fresh = build_network(dict(opt['network_g'])).state_dict()
        assert all(torch.equal(saved[k], fresh[k]) for k in fresh)
    assert base['path']['pretrain_network_g'] != runs[-1][2]['path']['pretrain_network_g']  # seeds differ


@pytest.fixture(scope='module')
def compared(tmp_path_factory, tiny_root, teacher_ckpt):
    """2 seeds x baseline,std, 4 iterations, validation every 2, through the real
    train pipeline, two one-thread runs at a time."""
    root = tmp_path_factory.mktemp('compare')
    yml = write_yaml(root / 'cmp.yml', std_options(tiny_root, teacher_ckpt))
    argv = ['-opt', str(yml), '--root', str(root), '--iters', '4', '--val-freq', '2', '--jobs', '2']
    compare_cli.main(argv)
    return root, argv


def test_end_to_end_table_curves_and_reuse(compared, capsys, monkeypatch):
    root, argv = compared
    out = root / 'results' / 'compare_cmp'
    for arm in ('baseline', 'std'):
        for seed in (0, 1):
            exp = root / 'experiments' / f'cmp_compare_{arm}_s{seed}'
            assert (exp / 'models' / 'net_g_latest.pth').is_file()
            assert list(read_history(exp / FILE_NAME)['Vid4']) == [2, 4]
    assert not (root / 'experiments' / 'cmp_compare_baseline_s0' / 'models' / 'net_lstm_latest.pth').exists()
    rows = list(csv.DictReader(open(out / 'compare_cmp.csv')))
    assert {r['row'] for r in rows} == {REFERENCE, 'baseline', 'std', 'std - baseline'}
    assert all(10 < float(r['mean']) < 60 for r in rows if r['metric'] == 'psnr' and r['paired_gain'] == '0')
    assert (out / 'curves_cmp.png').stat().st_size > 1000

    def no_training(*args, **kwargs):
        raise AssertionError(f'a run was started again: {args}')

    monkeypatch.setattr(pipeline_runs.subprocess, 'run', no_training)  # nothing may be trained again
    capsys.readouterr()
    compare_cli.main(argv)  # the same command again: every run is reused
    printed = capsys.readouterr().out
    assert '| std - baseline (paired) |' in printed and 'iteration 4' in printed
    table = [x for x in printed.split('std-compare: wrote')[0].splitlines()
             if not x.startswith('std-compare: ')]  # the teacher check's lines come first
    assert '\n'.join(table).strip() == (out / 'compare_cmp.md').read_text().strip()


def test_a_run_another_process_trains_is_waited_for_then_reused(compared, capsys, monkeypatch):
    """A second std-compare on the same root waits on the run's lock instead of
    restarting the run the first one is training, then reuses it."""
    root, argv = compared
    monkeypatch.setattr(pipeline_runs.subprocess, 'run', lambda *a, **k: pytest.fail(f'a run was restarted: {a}'))
    table = root / 'results' / 'compare_cmp' / 'compare_cmp.md'
    table.unlink()
    capsys.readouterr()
    with open(root / 'compare_options' / 'cmp' / 'cmp_compare_baseline_s0.lock', 'a') as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # the other process, training the first run
        worker = threading.Thread(target=compare_cli.main, args=(argv,))
        worker.start()
        waited = ''
        for _ in range(600):
            waited += capsys.readouterr().out
            if 'waiting for' in waited:
                break
            time.sleep(0.1)
        assert 'std-compare: waiting for cmp_compare_baseline_s0: another process is training it' in waited
        assert worker.is_alive() and not table.exists()  # blocked before any table
    worker.join(timeout=120)
    assert not worker.is_alive() and table.is_file()


def test_a_run_of_a_lane_is_the_run_trained_alone_with_one_thread(compared, tmp_path, monkeypatch):
    """--jobs 2 trained the fixture's runs two at a time; the std arm of seed 1
    trained alone (one run at a time, one thread) is the same, bit for bit."""
    root, argv = compared
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    opt_file = argv[argv.index('-opt') + 1]
    compare_cli.main(['-opt', opt_file, '--root', str(tmp_path), '--iters', '4', '--val-freq', '2',
                      '--seed-list', '1', '--arms', 'std'])
    alone, lane = (r / 'experiments' / 'cmp_compare_std_s1' for r in (tmp_path, root))
    weights = [torch.load(r / 'models' / 'net_g_latest.pth', weights_only=True)['params'] for r in (alone, lane)]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert read_history(alone / FILE_NAME) == read_history(lane / FILE_NAME)


def logged_validations(log_text):
    """[{metric: (average, {clip: value})}] of each 'Validation Vid4' block of a
    BasicSR log: one line per metric, '# metric: avg' then '# clip: value'."""
    out = []
    for block in re.findall(r'Validation Vid4\n(.*?)(?=\n\d{4}-|\Z)', log_text, re.S):
        metrics = {}
        for text in block.splitlines():
            pairs = re.findall(r'# (\w+): ([-\d.]+)', text)
            if pairs:
                metrics[pairs[0][0]] = (pairs[0][1], dict(pairs[1:]))
        out.append(metrics)
    return out


def test_history_has_the_values_basicsr_logs(compared):
    root, _ = compared
    exp = root / 'experiments' / 'cmp_compare_std_s1'
    log = ''.join(p.read_text() for p in sorted(exp.glob('train_*.log')))
    lines = [json.loads(x) for x in (exp / FILE_NAME).read_text().splitlines()]
    logged = logged_validations(log)
    assert [x['iter'] for x in lines] == [2, 4, 4] and len(logged) == 3  # the final validation twice
    for written, metrics in zip(lines, logged):
        assert set(metrics) == {'psnr', 'ssim'}
        for name, (average, clips) in metrics.items():
            assert f'{written["metrics"][name]:.4f}' == average
            assert {clip: f'{v[name]:.4f}' for clip, v in written['clips'].items()} == clips
            assert set(clips) == {'calendar', 'city'}


def test_a_given_student_file_starts_every_arm_and_seed(tmp_path, tiny_root):
    """path.pretrain_network_g in the file: a fine-tuning comparison from it, with its
    param_key_g; std-compare neither draws nor writes initial weights of its own."""
    opt = std_options(tiny_root, 'teacher.pth')
    opt['path'].update(pretrain_network_g='warm.pth', param_key_g='params_ema')
    runs = plan(opt, ['baseline', 'std'], [0, 1], tmp_path)
    assert {(run['path']['pretrain_network_g'], run['path']['param_key_g']) for _, _, run in runs} == \
        {('warm.pth', 'params_ema')}
    assert [run['manual_seed'] for _, _, run in runs] == [0, 0, 1, 1]
    assert 'warm.pth' in init_note(opt)
    assert init_note(std_options(tiny_root, 'teacher.pth')) == ''


@pytest.mark.parametrize('case, message', [
    ('missing', 'missing.yml does not exist'),
    ('no_teacher', 'has no network_t: the std arm distils from a teacher'),
    ('unknown_arm', "--arms: unknown arm 'dstil'"),
    ('no_val', 'has no validation'),
    ('no_teacher_file', 'path.pretrain_network_t: teacher.pth does not exist'),
    ('no_student_init', 'path.pretrain_network_g: warm.pth does not exist'),
])
def test_bad_input_is_one_line_exit_2(tmp_path, tiny_root, capsys, case, message):
    opt = std_options(tiny_root, 'teacher.pth')
    argv = ['--root', str(tmp_path)]
    if case == 'no_teacher':
        opt = base_options('plain', tiny_root, iters=2)
    if case == 'unknown_arm':
        argv += ['--arms', 'baseline,dstil']
    if case == 'no_val':
        del opt['val']
    if case == 'no_student_init':
        (tmp_path / 'teacher.pth').write_bytes(b'')  # this case is about the student's file
        opt['path']['pretrain_network_g'] = 'warm.pth'
    yml = tmp_path / 'missing.yml' if case == 'missing' else write_yaml(tmp_path / 'o.yml', opt)
    with pytest.raises(SystemExit) as exit_info:
        compare_cli.main(['-opt', str(yml)] + argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith('std-compare: error: ') and message in err and err.count('\n') == 1
    assert not (tmp_path / 'experiments').exists()


def fake_training(trained):
    """run_pipeline that 'trains' a run as far as std-compare looks: BasicSR's
    renaming of an existing experiment folder, net_g_latest.pth and a final
    validation of every val dataset; appends the run's name to `trained`."""
    def run_pipeline(root, module, option_file, prog, log, env=None):
        opt = yaml.safe_load(Path(option_file).read_text())
        exp = Path(root, 'experiments', opt['name'])
        mkdir_and_rename(str(exp))  # as BasicSR's make_exp_dirs: an old run is kept, archived
        (exp / 'models').mkdir(parents=True)
        (exp / 'models' / 'net_g_latest.pth').write_bytes(b'weights')
        clips = {'calendar': {'psnr': 20.0, 'ssim': 0.6}, 'city': {'psnr': 22.0, 'ssim': 0.7}}
        write_history(exp / FILE_NAME, [dict(line(opt['train']['total_iter'], 21.0, 0.65), clips=clips)])
        trained.append(opt['name'])
    return run_pipeline


def test_reuse_is_keyed_on_the_teachers_content(tmp_path, tiny_root, capsys, monkeypatch):
    trained = []
    monkeypatch.setattr(compare_runs, 'run_pipeline', fake_training(trained))
    monkeypatch.setattr(compare_runs, 'before_training', lambda *args: None)  # these teacher files are not networks
    teacher = tmp_path / 'teacher.pth'
    teacher.write_bytes(b'teacher, first training')
    yml = write_yaml(tmp_path / 'cmp.yml', std_options(tiny_root, 'teacher.pth'))
    argv = ['-opt', str(yml), '--root', str(tmp_path), '--iters', '4', '--val-freq', '4', '--seeds', '1']
    compare_cli.main(argv)
    assert trained == ['cmp_compare_baseline_s0', 'cmp_compare_std_s0']
    recorded = json.loads((tmp_path / 'compare_options' / 'cmp' / 'cmp_compare_std_s0.inputs.json').read_text())
    assert recorded['path.pretrain_network_t'] == {
        'path': 'teacher.pth', 'sha256': hashlib.sha256(b'teacher, first training').hexdigest()}
    assert {'datasets.train.dataroot_gt', 'datasets.val.dataroot_lq', 'datasets.train.meta_info_file',
            'path.pretrain_network_g'} <= set(recorded)
    os.utime(teacher, ns=(1, 1))  # touched, same bytes: reused
    compare_cli.main(argv)
    assert trained == ['cmp_compare_baseline_s0', 'cmp_compare_std_s0']
    capsys.readouterr()
    teacher.write_bytes(b'teacher, trained again')  # same path, same options: only the std arm reads it
    compare_cli.main(argv)
    assert trained[2:] == ['cmp_compare_std_s0']
    said = [x for x in capsys.readouterr().out.splitlines() if 'retraining' in x]
    assert said == ['std-compare: retraining cmp_compare_std_s0: the content of path.pretrain_network_t '
                    '(teacher.pth) changed since it was trained']
    assert len(list((tmp_path / 'experiments').glob('cmp_compare_std_s0_archived_*'))) == 1  # the old run kept
    (tmp_path / 'compare_options' / 'cmp' / 'cmp_compare_baseline_s0.inputs.json').unlink()
    compare_cli.main(argv)  # a run trained before the record existed: trained again, saying why
    assert trained[3:] == ['cmp_compare_baseline_s0']
    assert "retraining cmp_compare_baseline_s0: no record of its input files' content" in capsys.readouterr().out


def test_content_digests_of_files_and_folders(tmp_path, monkeypatch):
    lmdb = tmp_path / 'gt.lmdb'
    lmdb.mkdir()
    (lmdb / 'data.mdb').write_bytes(bytes(range(256)) * 16)
    (lmdb / 'meta_info.txt').write_text('a 1\n')
    first = content_digest(str(lmdb))
    (lmdb / 'lock.mdb').write_bytes(b'readers')  # LMDB's reader table is not content
    assert content_digest(str(lmdb)) == first
    (lmdb / 'meta_info.txt').write_text('a 2\n')
    assert content_digest(str(lmdb)) != first
    assert content_digest(str(tmp_path / 'nothing')) == 'missing'
    # a file over the limit: size, time and both ends, not the middle
    monkeypatch.setattr(compare_inputs, 'FULL_LIMIT', 1024)
    monkeypatch.setattr(compare_inputs, 'EDGE', 256)
    big = lmdb / 'data.mdb'
    os.utime(big, ns=(5, 5))
    before = compare_inputs.file_digest(str(big))
    data = bytearray(big.read_bytes())
    data[2000] ^= 1
    big.write_bytes(bytes(data))
    os.utime(big, ns=(5, 5))
    assert compare_inputs.file_digest(str(big)) == before  # the stated blind spot
    data[0] ^= 1
    big.write_bytes(bytes(data))
    os.utime(big, ns=(5, 5))
    assert compare_inputs.file_digest(str(big)) != before
    os.utime(big, ns=(6, 6))
    data[0] ^= 1
    big.write_bytes(bytes(data))
    assert compare_inputs.file_digest(str(big)) != before  # same bytes, another time: not taken as the same
