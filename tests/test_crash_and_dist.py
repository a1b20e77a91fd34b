"""Crash safety (SIGKILL mid-run, then --auto_resume) and distributed training
(2 CPU processes with gloo through torchrun)."""
import os
import signal
import subprocess
import sys
import time

import torch

from tests.conftest import REPO, add_teacher, base_options, run_cli, write_yaml
from tests.test_std_train import losses_by_iter, read_log


def deterministic(opt):
    """Whole-frame crops, no flips: each iteration's data depends on the sampler alone."""
    opt['datasets']['train'].update(use_hflip=False, use_rot=False, dataset_enlarge_ratio=4)
    return opt


def close(a, b, rel=1e-3):
    return abs(a - b) <= rel * abs(b) + 1e-7


def test_sigkill_then_auto_resume_follows_the_uninterrupted_run(tmp_path, tiny_root, teacher_ckpt):
    def options(run_dir):
        opt = deterministic(add_teacher(base_options('run', tiny_root, iters=10, val=False), teacher_ckpt))
        opt['logger']['save_checkpoint_freq'] = 2
        return write_yaml(run_dir / 'o.yml', opt)

    straight, killed = tmp_path / 'straight', tmp_path / 'killed'
    straight.mkdir(), killed.mkdir()
    run_cli(['-m', 'std_plugin.train', '-opt', options(straight)], cwd=straight)
    expected = losses_by_iter(read_log(straight / 'experiments' / 'run'))

    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.Popen([sys.executable, '-m', 'std_plugin.train', '-opt', options(killed)], cwd=killed,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    states = killed / 'experiments' / 'run' / 'training_states'
    deadline = time.time() + 300
    while not (states / '4.state').exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (states / '4.state').exists(), 'the run ended before it could be killed'
    newest = max(int(p.name.split('.')[0]) for p in states.glob('*.state'))
    assert newest < 10

    run_cli(['-m', 'std_plugin.train', '-opt', str(killed / 'o.yml'), '--auto_resume'], cwd=killed)
    log = read_log(killed / 'experiments' / 'run')
    assert f'iter: {newest}' in log.split('Resuming training from epoch')[1][:200] or 'Resuming' in log
    got = losses_by_iter(log.split('Resuming training from epoch')[1])
    assert sorted(got) == list(range(newest + 1, 11))
    for it, losses in got.items():
        for k, v in losses.items():
            assert close(v, expected[it][k]), (it, k, v, expected[it][k])


def test_two_cpu_processes_match_one_process_with_the_same_global_batch(tmp_path, tiny_root, teacher_ckpt):
    def options(batch):
        opt = deterministic(add_teacher(base_options('dist', tiny_root, iters=3, val=False), teacher_ckpt))
        opt['network_g'] = dict(type='VDSR', num_feat=8, num_layer=3, scale=4)  # no BatchNorm (no CPU SyncBN)
        opt['distill']['student_layer'] = 'body'
        opt['datasets']['train']['batch_size_per_gpu'] = batch
        return opt

    single, multi = tmp_path / 'single', tmp_path / 'multi'
    single.mkdir(), multi.mkdir()
    driver = os.path.join(REPO, 'tests', 'dist_driver.py')
    run_cli([driver, '-opt', write_yaml(single / 'o.yml', options(2))], cwd=single)
    run_cli(['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', driver,
             '-opt', write_yaml(multi / 'o.yml', options(1)), '--launcher', 'pytorch'], cwd=multi)
    rank0 = torch.load(multi / 'net_g_rank0.pth', weights_only=True)
    rank1 = torch.load(multi / 'net_g_rank1.pth', weights_only=True)
    one = torch.load(single / 'net_g_rank0.pth', weights_only=True)
    for k in rank0:
        assert torch.equal(rank0[k], rank1[k]), k
        assert torch.allclose(rank0[k], one[k], rtol=1e-4, atol=1e-6), k
    assert (multi / 'experiments' / 'dist' / 'models' / 'net_lstm_latest.pth').is_file()
    assert not (multi / 'experiments' / 'dist_rank1').exists()
