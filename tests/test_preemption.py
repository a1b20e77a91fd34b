"""Preemption (SIGTERM), exact resume with flips and rotations on, skipped
unreadable training states, and the non-finite-loss stop."""
import os
import random
import re
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from std_plugin.models.std_model import STDModel
from std_plugin.training import resume
from std_plugin.core.errors import NonFiniteLoss
from std_plugin.training.sample_seeds import rng_states, seed_samples, seeded_rngs, set_rng_states
from tests.conftest import REPO, add_teacher, base_options, run_cli, write_yaml
from tests.test_std_train import losses_by_iter, read_log

ITERS = 16


def options(run_dir, tiny_root, teacher_ckpt):
    """Default augmentation (random crops, flips, rotations); saves only when told."""
    opt = add_teacher(base_options('run', tiny_root, iters=ITERS, val=False), teacher_ckpt)
    opt['datasets']['train'].update(gt_size=16, use_hflip=True, use_rot=True, dataset_enlarge_ratio=3,
                                    num_worker_per_gpu=1)
    opt['logger']['save_checkpoint_freq'] = 1000
    return write_yaml(run_dir / 'o.yml', opt)


def wait_for_log_line(exp, pattern, proc, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if os.path.isdir(exp) and re.search(pattern, read_log(exp)):
            return True
        time.sleep(0.02)
    return False


def test_sigterm_saves_exits_0_and_auto_resume_continues_exactly(tmp_path, tiny_root, teacher_ckpt):
    straight, stopped = tmp_path / 'straight', tmp_path / 'stopped'
    straight.mkdir(), stopped.mkdir()
    run_cli(['-m', 'std_plugin.train', '-opt', options(straight, tiny_root, teacher_ckpt)], cwd=straight)
    expected = losses_by_iter(read_log(straight / 'experiments' / 'run'))
    assert sorted(expected) == list(range(1, ITERS + 1))

    proc = subprocess.Popen([sys.executable, '-m', 'std_plugin.train', '-opt', options(stopped, tiny_root,
                                                                                        teacher_ckpt)],
                            cwd=stopped, env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    exp = stopped / 'experiments' / 'run'
    assert wait_for_log_line(exp, r'iter:\s+2,', proc), 'the run ended before the signal'
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    last = out.strip().splitlines()[-1]
    it = max(losses_by_iter(read_log(exp)))  # the iteration in progress was finished and logged
    assert 2 <= it < ITERS
    assert last == (f'std_plugin: stopped by SIGTERM: checkpoint of iter {it} written: {exp}/models/net_g_{it}.pth '
                    f'and {exp}/training_states/{it}.state; continue with --auto_resume')
    for name in (f'models/net_g_{it}.pth', f'models/net_lstm_{it}.pth', f'training_states/{it}.state'):
        assert (exp / name).is_file(), name
    saved_rng = torch.load(exp / 'training_states' / f'{it}.state', weights_only=True)['rng']
    assert set(saved_rng) >= {'python', 'numpy', 'torch'}

    # A newer state that a crash left truncated is skipped, with a line naming it.
    truncated = exp / 'training_states' / f'{it + 1}.state'
    truncated.write_bytes((exp / 'training_states' / f'{it}.state').read_bytes()[:100])
    proc = run_cli(['-m', 'std_plugin.train', '-opt', str(stopped / 'o.yml'), '--auto_resume'], cwd=stopped)
    assert (f'std_plugin: warning: --auto_resume skips training state: {exp}/training_states/{it + 1}.state '
            'is not a readable PyTorch checkpoint') in proc.stdout
    log = read_log(exp)
    assert re.search(rf'Resuming training from epoch: \d+, iter: {it}\.', log)
    got = losses_by_iter(log.split('Resuming training from epoch')[1])
    assert sorted(got) == list(range(it + 1, ITERS + 1))
    for i, losses in got.items():
        assert losses == expected[i], (i, losses, expected[i])  # exact: the same augmentations, same order


def test_seeded_samples_do_not_depend_on_what_ran_before():
    class Draws:
        opt = {}

        def __getitem__(self, index):
            return index, random.random(), np.random.rand(), torch.rand(()).item()

    data = seed_samples(Draws())
    first = data[(3, (0, 1, 0, 5))]
    random.random(), np.random.rand(), torch.rand(2)
    assert data[(3, (0, 1, 0, 5))] == first
    assert data[(3, (0, 1, 0, 6))] != first  # another position in the epoch: other augmentation
    assert data[3][0] == 3  # plain indices still work
    before = rng_states()
    data[(4, (0, 0, 0, 0))]
    after = rng_states()  # the main process's streams are untouched
    assert before['python'] == after['python'] and torch.equal(before['torch'], after['torch'])
    with seeded_rngs((1, 2)):
        a = random.random()
    set_rng_states(before)
    assert random.getstate() == before['python'] and np.random.get_state()[2] == before['numpy'][2]
    with seeded_rngs((1, 2)):
        assert random.random() == a


def test_random_states_saved_are_restored_before_the_next_batch(monkeypatch):
    saved = rng_states()
    expected = random.random(), np.random.rand(), torch.rand(()).item()
    monkeypatch.setattr(resume, '_pending_rng_states', [saved])
    resume.restore_random_states()
    assert (random.random(), np.random.rand(), torch.rand(()).item()) == expected
    assert resume._pending_rng_states == []  # once only


def test_unreadable_states_are_skipped_newest_first(tmp_path, capsys):
    states = tmp_path / 'training_states'
    states.mkdir()
    torch.save({'iter': 4}, states / '4.state')
    (states / '8.state').write_bytes(b'')
    torch.save({'iter': 6}, states / '6.state')
    (states / '6.state').write_bytes((states / '6.state').read_bytes()[:50])
    path, state = resume.newest_readable_state(str(states))
    assert path == str(states / '4.state') and state == {'iter': 4}
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f'std_plugin: warning: --auto_resume skips training state: {states / "8.state"} is empty '
                      '(0 bytes), expected a PyTorch checkpoint; was its writing interrupted?')
    assert err[1].startswith(f'std_plugin: warning: --auto_resume skips training state: {states / "6.state"} is '
                             'not a readable PyTorch checkpoint')


def test_non_finite_loss_names_the_checkpoint_that_exists(tmp_path):
    path = {'models': str(tmp_path / 'models'), 'training_states': str(tmp_path / 'states')}
    model = SimpleNamespace(opt={'path': path})
    loss = {'l_pix': torch.tensor(float('nan')), 'l_sd': torch.tensor(0.5)}
    with pytest.raises(NonFiniteLoss, match=r'^non-finite loss at iter 7 \(l_pix=nan, l_sd=0.5\); training '
                                            rf'stopped, no checkpoint was saved yet \({path["training_states"]} '
                                            r'holds no training state\)$'):
        STDModel.check_finite(model, loss['l_pix'], loss, 7)
    os.makedirs(path['training_states'])
    for it in (2, 4):
        torch.save({}, os.path.join(path['training_states'], f'{it}.state'))
    with pytest.raises(NonFiniteLoss, match=rf'the last good checkpoint is {path["models"]}/net_g_4.pth with '
                                            rf'{path["training_states"]}/4.state \(--auto_resume continues'):
        STDModel.check_finite(model, loss['l_pix'], loss, 7)


def test_non_finite_loss_stop_is_one_line_exit_2(tmp_path, tiny_root):
    opt = base_options('nan', tiny_root, iters=2, val=False)
    opt['train']['pixel_opt']['loss_weight'] = float('nan')
    proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)], cwd=tmp_path, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stdout, proc.stdout[-2000:]
    assert proc.stdout.strip().splitlines()[-1].startswith(
        'std-train: error: non-finite loss at iter 1 (l_pix=nan); training stopped, no checkpoint was saved yet')


def test_sigterm_to_the_whole_process_group_spares_the_dataloader_worker(tmp_path, tiny_root):
    opt = base_options('group', tiny_root, iters=100000, val=False)  # stopped by the signal long before
    opt['datasets']['train'].update(num_worker_per_gpu=1, gt_size=16)
    opt['logger']['save_checkpoint_freq'] = 100000
    proc = subprocess.Popen([sys.executable, '-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)],
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert wait_for_log_line(tmp_path / 'experiments' / 'group', r'iter:\s+2,', proc)
    os.killpg(proc.pid, signal.SIGTERM)  # as a scheduler does: main process and worker alike
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    assert 'killed by signal' not in out  # torch's worker handler would have died on it
    assert 'std_plugin: stopped by SIGTERM: checkpoint of iter' in out.strip().splitlines()[-1]


def children_with_rank(pid):
    """{RANK: pid} of the processes torchrun started."""
    ranks = {}
    for child in open(f'/proc/{pid}/task/{pid}/children').read().split():
        env = dict(item.split('=', 1) for item in open(f'/proc/{child}/environ').read().split('\0') if '=' in item)
        if 'RANK' in env:
            ranks[int(env['RANK'])] = int(child)
    return ranks


def test_sigterm_on_one_rank_stops_both_after_the_same_iteration(tmp_path, tiny_root):
    opt = base_options('dist', tiny_root, iters=100000, val=False)
    opt['network_g'] = dict(type='VDSR', num_feat=8, num_layer=3, scale=4)  # no BatchNorm (no CPU SyncBN)
    opt['datasets']['train'].update(gt_size=16)
    opt['logger']['save_checkpoint_freq'] = 100000
    # Each rank's stdout goes to its own file: on one shared pipe, lines of two
    # processes that exit together can interleave mid-line.
    logs = tmp_path / 'rank_logs'
    proc = subprocess.Popen([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
                             '--log-dir', str(logs), '--redirects', '1', '-m', 'std_plugin.train', '-opt',
                             write_yaml(tmp_path / 'o.yml', opt), '--launcher', 'pytorch'], cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    exp = tmp_path / 'experiments' / 'dist'
    assert wait_for_log_line(exp, r'iter:\s+2,', proc)
    os.kill(children_with_rank(proc.pid)[1], signal.SIGTERM)  # rank 0 gets no signal
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    rank_out = {int(path.parent.name): path.read_text() for path in logs.rglob('stdout.log')}
    assert sorted(rank_out) == [0, 1], sorted(rank_out)
    stops = {rank: text.strip().splitlines()[-1] for rank, text in rank_out.items()}
    assert stops[1].startswith('std_plugin: stopped by SIGTERM: checkpoint of iter'), stops[1]
    # rank 0 learnt of the signal from rank 1, and stopped after the same iteration
    assert stops[0].startswith('std_plugin: stopped by a signal on another rank: checkpoint of iter'), stops[0]
    it = int(re.search(r'checkpoint of iter (\d+) written', stops[0]).group(1))
    assert f'checkpoint of iter {it} written' in stops[1]
    assert (exp / 'training_states' / f'{it}.state').is_file() and (exp / 'models' / f'net_g_{it}.pth').is_file()


def test_sigusr1_is_a_stop_signal_too(monkeypatch):
    from std_plugin.training import preemption
    saved = {sig: signal.getsignal(sig) for sig in preemption.STOP_SIGNALS}
    monkeypatch.setattr(preemption, 'RUN', preemption.Run())
    try:
        preemption.install_handlers()
        os.kill(os.getpid(), signal.SIGUSR1)
        assert preemption.RUN.signal == 'SIGUSR1'
        assert preemption.stop_requested('cpu')
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
