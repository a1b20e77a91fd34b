"""The headline option file runs as written for a user who has BasicSR's released
EDVR-L file where BasicSR's download script puts it and data built by the
README's commands; what is missing or in BasicSR's other layout is refused in
one line. On CPU: a randomly initialised EDVR-L saved under the released file
name, tiny data, and only the keys a CPU and tiny data force changed."""
import os
import os.path as osp
import shutil

import pytest
import torch
import yaml

from basicsr.archs import build_network
from basicsr.utils.lmdb_util import LmdbMaker
from std_plugin.data.prep import vid4, vimeo90k
from std_plugin.cli import prep as prep_cli
from std_plugin.core.errors import DataError
from std_plugin.training.lmdb_frames import check_gt_frames
from std_plugin.core.released_checkpoints import EDVR_L_VIMEO90K, where_to_get
from tests import tiny_data
from tests.conftest import REPO, run_cli

HEADLINE = osp.join(REPO, 'options', 'std_fastdvd.yml')
# Only what a CPU and 64x64 frames force: the rest of the file runs as written.
CPU_AND_TINY_DATA = {
    'num_gpu': 0,
    ('datasets', 'train', 'gt_size'): 64,  # the tiny frames are 64x64 (Vimeo90K: 448x256)
    ('datasets', 'train', 'batch_size_per_gpu'): 1,
    ('datasets', 'train', 'num_worker_per_gpu'): 0,
    ('train', 'total_iter'): 2,
    ('val', 'val_freq'): 2,
    ('logger', 'print_freq'): 1,
    ('logger', 'save_checkpoint_freq'): 2,
}


def write_raw_vimeo(root, clips=2, size=64):
    """A vimeo_septuplet folder as published: sequences/<clip>/<seq>/im1..7.png and sep_trainlist.txt."""
    names = [f'00001/{i + 1:04d}' for i in range(clips)]
    for i, name in enumerate(names):
        for t, img in enumerate(tiny_data.moving_frames(7, size, size, seed=i)):
            tiny_data.write(osp.join(root, 'sequences', name, f'im{t + 1}.png'), img)
    with open(osp.join(root, 'sep_trainlist.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')


def write_raw_vid4(root, size=64):
    for t, img in enumerate(tiny_data.moving_frames(4, size, size, seed=5)):
        tiny_data.write(osp.join(root, 'calendar', f'im{t + 1}.png'), img)


def prep(module, argv):
    module.prepare(prep_cli.parse(module.__name__.rsplit('.', 1)[1], [str(a) for a in argv]))


def headline_with(overrides):
    with open(HEADLINE) as f:
        opt = yaml.safe_load(f)
    for keys, value in overrides.items():
        keys = keys if isinstance(keys, tuple) else (keys,)
        node = opt
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return opt


@pytest.fixture(scope='module')
def user_root(tmp_path_factory):
    """The user's folder after the README's data commands, without any teacher."""
    root = tmp_path_factory.mktemp('user')
    write_raw_vimeo(str(root / 'raw' / 'vimeo_septuplet'))
    write_raw_vid4(str(root / 'raw' / 'Vid4'))
    # std-prep-vimeo90k and std-prep-vid4 as the README runs them (in-process: the same code as the console scripts)
    prep(vimeo90k, ['--input', root / 'raw' / 'vimeo_septuplet', '--out', root / 'datasets' / 'vimeo90k', '--split',
                    'train', '--degradation', 'BI', '--lmdb', '--workers', '1'])
    prep(vid4, ['--input', root / 'raw' / 'Vid4', '--out', root / 'datasets' / 'Vid4', '--workers', '1'])
    os.makedirs(root / 'options')
    with open(root / 'options' / 'std_fastdvd.yml', 'w') as f:
        yaml.safe_dump(headline_with(CPU_AND_TINY_DATA), f, sort_keys=False)
    return root


def released_edvr_l(root):
    """A randomly initialised EDVR-L (the headline's network_t) saved as BasicSR saves its release."""
    with open(HEADLINE) as f:
        net = build_network(yaml.safe_load(f)['network_t'])
    path = root / EDVR_L_VIMEO90K.path
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'params': net.state_dict()}, path)
    return path


def test_the_headline_file_is_one_file_that_the_package_ships():
    # options/std_fastdvd.yml is the file; the package holds a link to it, which setuptools
    # dereferences into the sdist and the wheel (.ci/wheel_check), so std-bench reads it when installed.
    from std_plugin.evaluation.benchmark.bench_model import HEADLINE as PACKAGED
    assert not osp.islink(HEADLINE)
    assert osp.islink(str(PACKAGED)) and osp.realpath(str(PACKAGED)) == osp.realpath(HEADLINE)


def test_headline_names_the_released_teacher_where_basicsr_puts_it():
    with open(HEADLINE) as f:
        opt = yaml.safe_load(f)
    assert opt['path']['pretrain_network_t'] == \
        'experiments/pretrained_models/EDVR/EDVR_L_x4_SR_Vimeo90K_official-162b54e4.pth'


def test_headline_runs_as_written_on_the_released_file_name(user_root):
    released_edvr_l(user_root)
    try:
        proc = run_cli(['-m', 'std_plugin.train', '-opt', 'options/std_fastdvd.yml'], cwd=user_root)
    finally:
        shutil.rmtree(user_root / 'experiments' / 'pretrained_models')
    exp = user_root / 'experiments' / 'STD_FastDVDnetVSR_EDVRL_Vimeo90K_BIx4'
    assert (exp / 'models' / 'net_g_2.pth').is_file() and (exp / 'models' / 'net_lstm_2.pth').is_file()
    assert 'l_sd:' in proc.stdout and 'l_td:' in proc.stdout  # the teacher taught
    assert 'Validation Vid4' in proc.stdout


def test_missing_teacher_says_where_basicsr_publishes_it(user_root):
    proc = run_cli(['-m', 'std_plugin.train', '-opt', 'options/std_fastdvd.yml'], cwd=user_root, check=False)
    assert proc.returncode == 2
    line = proc.stdout.strip().splitlines()[-1]
    assert 'Traceback' not in proc.stdout
    assert line.startswith('std-train: error: path.pretrain_network_t: checkpoint '
                           'experiments/pretrained_models/EDVR/EDVR_L_x4_SR_Vimeo90K_official-162b54e4.pth '
                           'does not exist')
    assert 'python scripts/download_pretrained_models.py EDVR' in line and 'ModelZoo.md' in line


def test_released_file_under_another_name_or_folder_is_recognised(tmp_path):
    old_name = 'experiments/pretrained_models/EDVR_L_x4_SR_Vimeo90K_official.pth'  # this project's first name
    assert 'download_pretrained_models.py EDVR saves it as experiments/pretrained_models/EDVR/' \
           'EDVR_L_x4_SR_Vimeo90K_official-162b54e4.pth' in where_to_get(old_name, str(tmp_path))
    released_edvr_l(tmp_path)
    assert where_to_get(old_name, str(tmp_path)) == \
        "; BasicSR's EDVR_L_x4_SR_Vimeo90K_official-162b54e4.pth is at " \
        'experiments/pretrained_models/EDVR/EDVR_L_x4_SR_Vimeo90K_official-162b54e4.pth: set this key to that path'
    assert where_to_get('experiments/my_teacher/models/net_g_latest.pth') == ''


def lmdb_of(path, keys):
    maker = LmdbMaker(str(path))
    for key in keys:
        maker.put(b'png', key, (4, 4, 3))
    maker.close()
    return str(path)


def recurrent_dataset(kind, gt, meta, **extra):
    return dict(type=kind, dataroot_gt=gt, meta_info_file=meta, io_backend=dict(type='lmdb'), **extra)


def test_basicsr_gt_only_4th_vimeo_lmdb_is_refused_in_one_line(tmp_path):
    """BasicSR's create_lmdb_for_vimeo90k writes vimeo90k_train_GT_only4th.lmdb: key <clip>/im4 only."""
    gt = lmdb_of(tmp_path / 'vimeo90k_train_GT_only4th.lmdb', ['00001/0001/im4', '00001/0002/im4'])
    meta = tmp_path / 'meta.txt'
    meta.write_text('00001/0001 7 (256,448,3)\n00001/0002 7 (256,448,3)\n')
    with pytest.raises(DataError) as err:
        check_gt_frames('train', recurrent_dataset('Vimeo90KRecurrentDataset', gt, str(meta)))
    assert str(err.value) == (
        f'datasets.train.dataroot_gt: LMDB {gt} holds only im4 of the 7 GT frames of clip 00001/0001, but '
        "Vimeo90KRecurrentDataset reads them all (BasicSR's own scripts write a GT-only-4th Vimeo90K LMDB); "
        'rebuild it with every frame: std-prep-vimeo90k --input <vimeo_septuplet> --out <folder> --split train --lmdb')
    full = lmdb_of(tmp_path / 'full.lmdb', [f'00001/0001/im{i}' for i in range(1, 8)])
    check_gt_frames('train', recurrent_dataset('Vimeo90KRecurrentDataset', full, str(meta)))  # first clip complete
    check_gt_frames('train', recurrent_dataset('Vimeo90KDataset', gt, str(meta)))  # centre-frame GT: fine


def test_reds_lmdb_lacking_frames_is_refused_after_the_validation_clips(tmp_path):
    meta = tmp_path / 'meta.txt'
    meta.write_text('000 100 (720,1280,3)\n001 100 (720,1280,3)\n')
    # 000 is a REDS4 clip, left out of training: its absence is fine; 001 lacks frames 50..99
    gt = lmdb_of(tmp_path / 'reds_GT.lmdb', [f'001/{i:08d}' for i in range(50)])
    dataset = recurrent_dataset('REDSRecurrentDataset', gt, str(meta), val_partition='REDS4')
    with pytest.raises(DataError) as err:
        check_gt_frames('train', dataset)
    assert 'lacks GT frames 00000050, 00000051, 00000052 and 47 more (of 100) of clip 001' in str(err.value)
    assert str(err.value).endswith('std-prep-reds --input <REDS train_sharp> --out <folder> --lmdb')
