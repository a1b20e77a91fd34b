"""End to end: STD training through BasicSR's train_pipeline on tiny generated data."""
import glob
import os.path as osp
import re

import torch

from tests.conftest import add_teacher, base_options, run_cli, train_dataset, write_yaml


def losses_by_iter(log_text):
    """{iter: {'l_pix': v, ...}} parsed from BasicSR's MessageLogger lines."""
    out = {}
    for m in re.finditer(r'iter:\s*([\d,]+).*?\]\s*(.*)', log_text):
        vals = dict(re.findall(r'(l_\w+): ([-+\d.e]+)', m.group(2)))
        if vals:
            out[int(m.group(1).replace(',', ''))] = {k: float(v) for k, v in vals.items()}
    return out


def read_log(exp):
    return ''.join(open(p).read() for p in sorted(glob.glob(osp.join(exp, 'train_*.log'))))


def test_std_trains_with_sd_td_and_saves(tmp_path, tiny_root, teacher_ckpt):
    opt = add_teacher(base_options('std', tiny_root, iters=2), teacher_ckpt)
    before = torch.load(teacher_ckpt, weights_only=True)['params']
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)], cwd=tmp_path)
    exp = tmp_path / 'experiments' / 'std'
    logged = losses_by_iter(read_log(exp))
    assert set(logged[2]) == {'l_pix', 'l_sd', 'l_td'}
    assert all(v > 0 for v in logged[2].values())
    assert (exp / 'models' / 'net_g_2.pth').is_file()
    lstm = torch.load(exp / 'models' / 'net_lstm_2.pth', weights_only=True)
    assert set(lstm) == {'params', 'params_adapter'}  # student F^SR 8 ch -> teacher 64 ch
    assert 'Validation Vid4' in read_log(exp)
    after = torch.load(teacher_ckpt, weights_only=True)['params']
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_baseline_from_folders_without_teacher(tmp_path, tiny_root):
    opt = base_options('baseline', tiny_root, iters=1, val=False)
    opt['datasets']['train'] = train_dataset(tiny_root['vimeo'], backend='disk')
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)], cwd=tmp_path)
    exp = tmp_path / 'experiments' / 'baseline'
    assert set(losses_by_iter(read_log(exp))[1]) == {'l_pix'}
    assert not glob.glob(str(exp / 'models' / 'net_lstm_*'))


def test_auto_resume_continues_with_the_same_losses(tmp_path, tiny_root, teacher_ckpt):
    def options(name, iters):
        opt = add_teacher(base_options(name, tiny_root, iters=iters, val=False), teacher_ckpt)
        # Whole-frame crops and no flips: the data of each iteration depends on the sampler alone.
        opt['datasets']['train'].update(use_hflip=False, use_rot=False, dataset_enlarge_ratio=2)
        opt['logger']['save_checkpoint_freq'] = 2
        return opt

    straight = tmp_path / 'straight'
    straight.mkdir()
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(straight / 'o.yml', options('run', 4))], cwd=straight)
    expected = losses_by_iter(read_log(straight / 'experiments' / 'run'))

    resumed = tmp_path / 'resumed'
    resumed.mkdir()
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(resumed / 'o.yml', options('run', 2))], cwd=resumed)
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(resumed / 'o.yml', options('run', 4)), '--auto_resume'],
            cwd=resumed)
    log = read_log(resumed / 'experiments' / 'run')
    assert 'Resuming training from epoch' in log
    got = losses_by_iter(log)
    for it in (3, 4):
        for k, v in expected[it].items():
            assert abs(got[it][k] - v) <= 1e-3 * abs(v) + 1e-7, (it, k, got[it][k], v)


def test_lstm_initialisations_b_and_c_from_the_option_file(tmp_path, tiny_root, teacher_ckpt):
    from std_plugin.cli import pretrain_lstm
    opt = add_teacher(base_options('pre', tiny_root, iters=1, val=False), teacher_ckpt)
    yml = write_yaml(tmp_path / 'o.yml', opt)
    out = str(tmp_path / 'lstm.pth')
    args = ['-opt', str(yml), '--out', out, '--iters', '2', '--device', 'cpu']
    pretrain_lstm.main(args)
    assert 'params_adapter' not in torch.load(out, weights_only=True)  # the model's own random adapter
    pretrain_lstm.main(args + ['--overwrite', '--adapter', 'principal'])
    ckpt = torch.load(out, weights_only=True)
    pretrained, adapter = ckpt['params'], ckpt['params_adapter']['weight'][:, :, 0, 0]
    assert pretrained['gates.weight'].shape[1] == 64 + 4  # teacher F^SR width + hidden
    assert adapter.shape == (64, 8)  # the student's 8 F^SR channels into the teacher's 64: principal directions
    assert torch.allclose(adapter.T @ adapter, torch.eye(8), atol=1e-5)
    for freeze_lstm in (True, False):  # (b) pretrained + frozen, (c) pretrained + optimised
        opt['path']['pretrain_network_lstm'] = out
        opt['distill']['freeze_lstm'] = freeze_lstm
        opt['name'] = f'init_{freeze_lstm}'
        run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)], cwd=tmp_path)
        saved = torch.load(tmp_path / 'experiments' / opt['name'] / 'models' / 'net_lstm_1.pth', weights_only=True)
        same = torch.equal(saved['params']['gates.weight'], pretrained['gates.weight'])
        assert same == freeze_lstm
        assert torch.equal(saved['params_adapter']['weight'][:, :, 0, 0], adapter)  # loaded, and fixed
