"""STD run from inside a user's own BasicSR-style tree, with the teacher taken
from the user's EDVR option file."""
import shutil

import yaml

from tests.conftest import TINY_EDVR, base_options, run_cli, write_yaml
from tests.test_std_train import losses_by_iter, read_log


def make_tree(root, tiny_root, teacher_ckpt):
    shutil.copytree(tiny_root['vimeo']['gt_lmdb'], root / 'datasets/vimeo/GT.lmdb')
    shutil.copytree(tiny_root['vimeo']['lq_lmdb'], root / 'datasets/vimeo/LR.lmdb')
    shutil.copy(tiny_root['vimeo']['meta'], root / 'datasets/vimeo/meta_info.txt')
    (root / 'experiments/pretrained_models').mkdir(parents=True)
    shutil.copy(teacher_ckpt, root / 'experiments/pretrained_models/EDVR_tiny.pth')
    (root / 'options/train/EDVR').mkdir(parents=True)
    edvr = dict(name='EDVR_tiny', model_type='EDVRModel', scale=4, network_g=dict(TINY_EDVR, ema_decay=0.999),
                path=dict(pretrain_network_g='experiments/pretrained_models/EDVR_tiny.pth', strict_load_g=True))
    write_yaml(root / 'options/train/EDVR/train_EDVR_tiny.yml', edvr)


def std_options(tiny_root, iters):
    opt = base_options('STD_in_my_tree', tiny_root, iters=iters, val=False)
    opt['datasets']['train'].update(dataroot_gt='datasets/vimeo/GT.lmdb', dataroot_lq='datasets/vimeo/LR.lmdb',
                                    meta_info_file='datasets/vimeo/meta_info.txt')
    opt['network_t'] = 'options/train/EDVR/train_EDVR_tiny.yml'
    opt['network_lstm'] = dict(type='PeepholeConvLSTM', hidden_dim=4)
    opt['train']['sd_opt'] = dict(type='SpatialAttentionLoss', loss_weight=1e-3)
    opt['train']['td_opt'] = dict(type='TemporalMemoryLoss', loss_weight=1e-2)
    opt['logger']['save_checkpoint_freq'] = 2
    return opt


def test_run_from_a_basicsr_tree_with_teacher_from_its_option_file(tmp_path, tiny_root, teacher_ckpt):
    make_tree(tmp_path, tiny_root, teacher_ckpt)
    yml = tmp_path / 'options/train/STD/std_tiny.yml'
    yml.parent.mkdir(parents=True)
    run_cli(['-m', 'std_plugin.train', '-opt', str(write_yaml(yml, std_options(tiny_root, 2)))], cwd=tmp_path)
    exp = tmp_path / 'experiments' / 'STD_in_my_tree'
    assert (exp / 'models' / 'net_g_2.pth').is_file()
    log = read_log(exp)
    assert 'EDVR_tiny.pth' in log and set(losses_by_iter(log)[2]) == {'l_pix', 'l_sd', 'l_td'}

    write_yaml(yml, std_options(tiny_root, 4))
    run_cli(['-m', 'std_plugin.train', '-opt', str(yml), '--auto_resume'], cwd=tmp_path)
    log = read_log(exp)
    assert 'Resuming training from epoch' in log
    assert 4 in losses_by_iter(log.split('Resuming training from epoch')[1])
    saved = yaml.safe_load(open(yml))
    assert saved['network_t'] == 'options/train/EDVR/train_EDVR_tiny.yml'  # the user's file is untouched
