"""Bad input: each case answered with one clear line naming the key or file."""
import copy
import os
import pickle

import lmdb
import pytest
import torch

from basicsr.data import build_dataset
from basicsr.models import build_model
from std_plugin.distill.teacher import build_teacher
from std_plugin.core.basicsr_patches import safe_io
from std_plugin.core.checkpoints import NO_TEACHER_CHECKPOINT
from std_plugin.core.errors import CheckpointError, DataError, OptionError
from std_plugin.training.option_checks import check_options
from tests.conftest import add_teacher, base_options, run_cli, write_yaml


@pytest.fixture
def opt(tmp_path, tiny_root, teacher_ckpt):
    o = add_teacher(base_options('bad', tiny_root), teacher_ckpt)
    o.update(is_train=True, dist=False, rank=0, world_size=1)
    o['path'].update(experiments_root=str(tmp_path / 'experiments' / 'bad'), models=str(tmp_path),
                     training_states=str(tmp_path))
    return o


def fails(opt, error, match):
    with pytest.raises(error, match=match):
        check_options(opt)


def fails_to_build(opt, error, match):
    with pytest.raises(error, match=match):
        build_model(opt)


def test_valid_options_pass(opt):
    check_options(opt)


def test_teacher_checkpoint_missing(opt):
    opt['path']['pretrain_network_t'] = '/nowhere/edvr.pth'
    fails(opt, DataError, 'path.pretrain_network_t: checkpoint /nowhere/edvr.pth does not exist')


def test_teacher_path_not_set(opt):
    opt['path']['pretrain_network_t'] = None
    fails(opt, OptionError, 'path.pretrain_network_t is required')
    with pytest.raises(OptionError) as built:  # building the teacher alone says the same
        build_teacher(opt, 'cpu')
    assert str(built.value) == NO_TEACHER_CHECKPOINT


def test_teacher_checkpoint_of_another_architecture(opt, tmp_path):
    other = tmp_path / 'student.pth'
    torch.save({'params': build_model(copy.deepcopy(opt)).net_g.state_dict()}, other)
    opt['path']['pretrain_network_t'] = str(other)
    fails_to_build(opt, CheckpointError, r'does not fit EDVR: \d+ missing keys')


def test_teacher_checkpoint_without_param_key(opt):
    opt['path']['param_key_t'] = 'params_best'
    fails_to_build(opt, CheckpointError, "has no 'params_best' entry")


def test_student_and_teacher_scale_differ(opt):
    opt['network_g']['scale'] = 2
    fails(opt, OptionError, 'network_g.scale is 2 but scale is 4')


def test_val_num_frame_differs_from_network(opt):
    opt['datasets']['val']['num_frame'] = 5
    fails(opt, OptionError, 'datasets.val.num_frame is 5 but network_g reads 7')


def test_single_frame_train_dataset(opt):
    opt['datasets']['train']['type'] = 'Vimeo90KDataset'
    fails(opt, OptionError, 'one GT frame per sample')


def test_fsr_layer_path_wrong(opt):
    opt['distill']['teacher_layer'] = 'conv_hrr'
    fails_to_build(opt, OptionError, "EDVR has no module 'conv_hrr'; nearest valid module paths: conv_hr")


def test_student_and_teacher_fsr_sizes_differ(opt):
    opt['distill']['student_layer'] = 'stage2.outc'  # an LR-resolution feature
    fails_to_build(opt, OptionError, r'F\^SR sizes differ')


def test_lmdb_missing(opt):
    opt['datasets']['train']['dataroot_gt'] = '/nowhere/GT.lmdb'
    fails(opt, DataError, 'datasets.train.dataroot_gt: /nowhere/GT.lmdb does not exist')


def test_meta_info_names_a_missing_clip(opt, tmp_path):
    meta = tmp_path / 'meta.txt'
    meta.write_text('00001/0001 7 (32,32,3)\n00042/0001 7 (32,32,3)\n')
    opt['datasets']['train']['meta_info_file'] = str(meta)
    fails(opt, DataError, "names clip '00042/0001'")


def test_val_clip_shorter_than_window(opt, tmp_path, tiny_root):
    from tests import tiny_data
    short = tiny_data.make_vid4(str(tmp_path / 'short'), clips=(('walk', 3),))
    opt['datasets']['val'].update(dataroot_gt=short['gt'], dataroot_lq=short['lq'], padding='reflection')
    fails(opt, DataError, 'walk has 3 frames, shorter than half the 7-frame window')


def test_unknown_arch_and_loss_type(opt):
    bad = copy.deepcopy(opt)
    bad['network_g']['type'] = 'FastDVDNetVSR'
    fails(bad, OptionError, "network_g.type: unknown arch type 'FastDVDNetVSR'; did you mean FastDVDnetVSR")
    opt['train']['sd_opt']['type'] = 'SpatialAttnLoss'
    fails(opt, OptionError, "train.sd_opt.type: unknown loss type 'SpatialAttnLoss'")


def test_unknown_network_argument_named_and_ema_decay_dropped(opt):
    opt['network_t']['ema_decay'] = 0.999  # as in BasicSR's EDVR-L training files
    check_options(opt)
    assert 'ema_decay' not in opt['network_t']
    opt['network_g']['num_block'] = 3
    fails(opt, OptionError, "network_g.num_block: FastDVDnetVSR takes no argument 'num_block'")


def test_output_folder_not_writable(opt, tmp_path):
    locked = tmp_path / 'locked'
    locked.mkdir()
    locked.chmod(0o500)
    opt['path']['experiments_root'] = str(locked / 'experiments' / 'bad')
    try:
        if os.access(locked, os.W_OK):
            pytest.skip('running as a user that ignores permissions')
        fails(opt, OptionError, 'is not writable')
    finally:
        locked.chmod(0o700)


def test_checkpoint_not_a_pytorch_file(opt, tmp_path):
    junk = tmp_path / 'teacher.pth'
    junk.write_text('not a checkpoint')
    opt['path']['pretrain_network_t'] = str(junk)
    fails_to_build(opt, CheckpointError, r"is not a PyTorch checkpoint \(it starts with b'not a checkp'")


class Exploit:
    def __reduce__(self):
        return (os.system, ('touch /tmp/std_plugin_pwned',))


def test_crafted_pickle_checkpoint_is_refused(opt, tmp_path):
    evil = tmp_path / 'evil.pth'
    with open(evil, 'wb') as f:
        pickle.dump({'params': Exploit()}, f)
    opt['path']['pretrain_network_t'] = str(evil)
    fails_to_build(opt, CheckpointError, 'refused by the safe loader')
    assert not os.path.exists('/tmp/std_plugin_pwned')


def lmdb_dataset(opt, gt_lmdb):
    safe_io.install()
    data = dict(opt['datasets']['train'], dataroot_gt=gt_lmdb, phase='train', scale=4)
    return build_dataset(data)


def copy_lmdb_with(tiny_root, tmp_path, key, value):
    src = lmdb.open(tiny_root['vimeo']['gt_lmdb'], readonly=True, lock=False)
    dst_path = str(tmp_path / 'GT.lmdb')
    dst = lmdb.open(dst_path, map_size=1 << 26)
    with src.begin() as r, dst.begin(write=True) as w:
        for k, v in r.cursor():
            w.put(k, v)
        if value is None:
            w.delete(key.encode())
        else:
            w.put(key.encode(), value)
    dst.close()
    return dst_path


def test_lmdb_key_missing(opt, tiny_root, tmp_path):
    path = copy_lmdb_with(tiny_root, tmp_path, '00001/0001/im3', None)
    with pytest.raises(DataError, match=r"LMDB .*GT.lmdb has no key '00001/0001/im3'"):
        for i in range(2):
            lmdb_dataset(opt, path)[i]


def test_corrupt_image_bytes(opt, tiny_root, tmp_path):
    path = copy_lmdb_with(tiny_root, tmp_path, '00001/0002/im5', b'\x89PNG garbage')
    with pytest.raises(DataError, match=r"corrupt image bytes: LMDB .*key '00001/0002/im5' could not be decoded"):
        for i in range(2):
            lmdb_dataset(opt, path)[i]


def test_cli_prints_one_line_and_exits_2(opt, tmp_path):
    opt['path'] = {'pretrain_network_t': '/nowhere/edvr.pth'}
    for key in ('is_train', 'dist', 'rank', 'world_size'):
        opt.pop(key)
    proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', opt)], cwd=tmp_path,
                   check=False)
    assert proc.returncode == 2
    assert proc.stdout.strip().splitlines()[-1] == ('std-train: error: path.pretrain_network_t: '
                                                    'checkpoint /nowhere/edvr.pth does not exist')
    assert 'Traceback' not in proc.stdout
    assert not (tmp_path / 'experiments').exists()  # failed before anything was written


def test_torch_distributed_launch_local_rank_is_accepted():
    from std_plugin.core.basicsr_patches.distributed_launch import normalize_argv
    assert normalize_argv(['train.py', '--local-rank=1', '-opt', 'o.yml']) == ['train.py', '--local_rank=1', '-opt',
                                                                              'o.yml']
    assert normalize_argv(['--local-rank', '0', '--local-ranks']) == ['--local_rank', '0', '--local-ranks']
