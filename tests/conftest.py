import os
import os.path as osp
import subprocess
import sys
import tempfile

import pytest
import yaml

if os.environ.get('PYTEST_XDIST_WORKER'):
    # The suite runs in one process per core (pytest.ini: -n 2): one thread each,
    # for the workers and the commands they start, so that they do not fight.
    os.environ['OMP_NUM_THREADS'] = os.environ['MKL_NUM_THREADS'] = '1'
import torch  # noqa: E402

import std_plugin  # noqa: F401,E402  (registers the plugin before basicsr is used)
from tests import tiny_data  # noqa: E402

if os.environ.get('PYTEST_XDIST_WORKER'):
    torch.set_num_threads(1)

# std-infer's ONNX files exported on the fly go to a folder of this run, never
# to the user's ~/.cache (inherited by the commands the tests start).
os.environ.setdefault('STD_PLUGIN_CACHE', tempfile.mkdtemp(prefix='std_plugin_cache_'))


@pytest.fixture(autouse=True)
def deterministic_auto_backend(monkeypatch):
    """std-infer's --backend auto times PyTorch and ONNX Runtime and keeps the
    faster, which can differ from run to run; the two round a pixel differently
    now and then, so tests that compare frames with a PyTorch forward would be
    flaky. Here auto means PyTorch (fp32/bf16) unless a test restores the real
    choice (tests/test_deploy.py does)."""
    from std_plugin.inference import backends
    real = backends.candidates
    monkeypatch.setattr(backends, 'candidates',
                        lambda backend, precision: ['torch'] if backend == 'auto' and precision != 'int8'
                        else real(backend, precision))
    monkeypatch.setattr(backends, 'REAL_CANDIDATES', real, raising=False)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_EDVR = dict(type='EDVR', num_in_ch=3, num_out_ch=3, num_feat=8, num_frame=7, deformable_groups=1,
                 num_extract_block=1, num_reconstruct_block=1, center_frame_idx=None, hr_in=False,
                 with_predeblur=False, with_tsa=False)
TINY_STUDENT = dict(type='FastDVDnetVSR', num_frame=7, scale=4, num_feat=8, branch_ch=4, interm_ch=4,
                    widths=[8, 8, 8])


def run_cli(args, cwd, check=True):
    """Run `python <args>` in cwd; return the CompletedProcess (stdout+stderr merged)."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n{proc.stdout[-4000:]}')
    return proc


def write_yaml(path, opt):
    with open(path, 'w') as f:
        yaml.safe_dump(opt, f, sort_keys=False)
    return path


@pytest.fixture(scope='session')
def tiny_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('data')
    return {'vimeo': tiny_data.make_vimeo(str(root / 'vimeo')),
            'vid4': tiny_data.make_vid4(str(root / 'vid4'), clips=(('calendar', 5), ('city', 4)))}


def train_dataset(data, backend='lmdb', recurrent=True, batch=1):
    lmdb = backend == 'lmdb'
    return dict(name='Vimeo90K', type='Vimeo90KRecurrentDataset' if recurrent else 'Vimeo90KDataset',
                dataroot_gt=data['gt_lmdb'] if lmdb else data['gt'],
                dataroot_lq=data['lq_lmdb'] if lmdb else data['lq'],
                meta_info_file=data['meta'], io_backend=dict(type=backend), num_frame=7, gt_size=32,
                interval_list=[1], random_reverse=False, use_hflip=True, use_rot=True, flip_sequence=False,
                use_shuffle=True, num_worker_per_gpu=0, batch_size_per_gpu=batch, dataset_enlarge_ratio=50,
                prefetch_mode=None)


def val_dataset(data, name='Vid4'):
    return dict(name=name, type='VideoTestDataset', dataroot_gt=data['gt'], dataroot_lq=data['lq'],
                io_backend=dict(type='disk'), cache_data=False, num_frame=7, padding='replicate')


def base_options(name, data, iters=2, val=True):
    opt = dict(name=name, model_type='STDModel', scale=4, num_gpu=0, manual_seed=0,
               datasets=dict(train=train_dataset(data['vimeo'])),
               network_g=dict(TINY_STUDENT), path=dict(pretrain_network_g=None, resume_state=None),
               train=dict(ema_decay=0, optim_g=dict(type='Adam', lr=1e-3, weight_decay=0, betas=[0.9, 0.99]),
                          scheduler=dict(type='MultiStepLR', milestones=[1000], gamma=0.5), total_iter=iters,
                          warmup_iter=-1,
                          pixel_opt=dict(type='CharbonnierLoss', loss_weight=1.0, reduction='mean', eps=1e-3)),
               logger=dict(print_freq=1, save_checkpoint_freq=iters, use_tb_logger=False,
                           wandb=dict(project=None, resume_id=None)))
    if val:
        opt['datasets']['val'] = val_dataset(data['vid4'])
        opt['val'] = dict(val_freq=iters, save_img=False,
                          metrics=dict(psnr=dict(type='calculate_psnr', crop_border=0, test_y_channel=True)))
    return opt


def add_teacher(opt, ckpt, sd_weight=1e-3, td_weight=1e-2):
    opt['network_t'] = dict(TINY_EDVR)
    opt['path'].update(pretrain_network_t=ckpt, param_key_t='params', strict_load_t=True)
    opt['network_lstm'] = dict(type='PeepholeConvLSTM', hidden_dim=4, kernel_size=3)
    opt['distill'] = dict(student_layer='conv_hr', teacher_layer='conv_hr')
    opt['train']['sd_opt'] = dict(type='SpatialAttentionLoss', loss_weight=sd_weight, mapping='sum_sq')
    opt['train']['td_opt'] = dict(type='TemporalMemoryLoss', loss_weight=td_weight)
    return opt


@pytest.fixture(scope='session')
def teacher_ckpt(tmp_path_factory, tiny_root):
    """A tiny EDVR checkpoint written by BasicSR's own EDVRModel training."""
    root = tmp_path_factory.mktemp('teacher')
    opt = base_options('tiny_edvr', tiny_root, iters=2, val=False)
    opt['model_type'] = 'EDVRModel'
    opt['datasets']['train'] = train_dataset(tiny_root['vimeo'], recurrent=False)
    opt['network_g'] = dict(TINY_EDVR)
    opt['train'].update(tsa_iter=0, dcn_lr_mul=1)
    run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(root / 'edvr.yml', opt)], cwd=root)
    ckpt = root / 'experiments' / 'tiny_edvr' / 'models' / 'net_g_2.pth'
    assert ckpt.is_file()
    return str(ckpt)


SLOW_FILES_FIRST = ('test_demo.py', 'test_pisr.py', 'test_preemption.py', 'test_clip_teacher.py',
                    'test_crash_and_dist.py', 'test_std_train.py', 'test_compare.py')


def pytest_collection_modifyitems(items):
    """The slowest files start first, so that no worker is left with one of them at the end."""
    rank = {name: i for i, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(osp.basename(str(item.fspath)), len(rank)))
