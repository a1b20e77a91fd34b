"""The typed schema of the plugin's own option keys: a wrong value is one line
naming the key and the values allowed, before any dataset is built."""
import glob
import os.path as osp

import pytest
import yaml

from basicsr.utils.options import ordered_yaml
from std_plugin.archs.vid_regressor_arch import VIDRegressor
from std_plugin.distill import attention_maps
from std_plugin.losses import imitation_loss, spatial_attention_loss
from std_plugin.losses.imitation_loss import ImitationLoss
from std_plugin.losses.spatial_attention_loss import SpatialAttentionLoss
from std_plugin.losses.temporal_memory_loss import TemporalMemoryLoss
from std_plugin.distill.temporal_memory import build_adapter
from std_plugin.training import option_schema, precision
from std_plugin.core.errors import OptionError
from std_plugin.training.option_docs import render_markdown
from std_plugin.training.option_schema import OPTIONS, check_schema
from tests.conftest import REPO, run_cli, write_yaml
from tests.fault_matrix import pipeline_main

MISSING_DATA = '/nonexistent/std_plugin_data'


def options_without_data(**train):
    """STD options whose training data does not exist: a check that reads the
    datasets (or builds one) would fail with a path error instead."""
    return dict(name='schema', model_type='STDModel', scale=4, num_gpu=0, manual_seed=0,
                datasets=dict(train=dict(name='Vimeo90K', type='Vimeo90KRecurrentDataset',
                                         dataroot_gt=f'{MISSING_DATA}/gt.lmdb', dataroot_lq=f'{MISSING_DATA}/lq.lmdb',
                                         meta_info_file=f'{MISSING_DATA}/meta.txt', io_backend=dict(type='lmdb'),
                                         num_frame=7, gt_size=32, batch_size_per_gpu=1, num_worker_per_gpu=0)),
                network_g=dict(type='FastDVDnetVSR', num_frame=7, scale=4, num_feat=8),
                path=dict(pretrain_network_g=None, resume_state=None),
                train=dict(total_iter=1, optim_g=dict(type='Adam', lr=1e-3), **train),
                logger=dict(print_freq=1, save_checkpoint_freq=1, use_tb_logger=False))


def test_std_train_autocast_fp8_is_one_line_exit_2_before_any_dataset(tmp_path):
    proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', options_without_data(
        autocast='fp8'))], cwd=tmp_path, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    assert last == "std-train: error: train.autocast: 'fp8' is not one of bf16, fp16, ~"
    assert not (tmp_path / 'experiments').exists()


def test_sd_normalize_l3_through_the_train_entry(tmp_path, monkeypatch, capsys):
    opt = options_without_data(sd_opt=dict(type='SpatialAttentionLoss', loss_weight=1e-3, normalize='l3'))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        pipeline_main('train')(['-opt', str(write_yaml(tmp_path / 'o.yml', opt))])
    assert stop.value.code == 2
    # Not the path error of the missing training data: the schema comes first.
    assert capsys.readouterr().err == "std_plugin: error: train.sd_opt.normalize: 'l3' is not one of ~, l2\n"
    assert not (tmp_path / 'experiments').exists()


# Hand-written: a new choice key needs its row here.
ALLOWED = {
    'network_vid.variance': 'location, channel',
    'distill.teacher_kind': 'window, clip',
    'distill.teacher_autocast': 'bf16, fp16, ~',
    'distill.adapter': 'fixed, trained',
    'train.autocast': 'bf16, fp16, ~',
    'train.sd_opt.mapping': 'sum, sum_sq, max_sq',
    'train.sd_opt.normalize': '~, l2',
    'train.sd_opt.distance': 'l2, l1',
    'train.td_opt.distance': 'l2, l1',
    'train.td_opt.normalize': 'teacher, ~',
    'train.imitation_opt.distance': 'l2, l1',
}
CHOICES = [o for o in OPTIONS if o.choices is not None]


def with_value(option, value):
    """A minimal option dict holding `value` at option.key (its section of the right type)."""
    opt = {}
    *parents, last = option.key.split('.')
    section = opt
    for part in parents:
        section = section.setdefault(part, {})
    if option.section_type:
        section['type'] = option.section_type
    section[last] = value
    return opt


def test_every_choice_key_is_listed():
    assert sorted(o.key for o in CHOICES) == sorted(ALLOWED)


@pytest.mark.parametrize('option', CHOICES, ids=lambda o: o.key)
def test_unknown_value_of_a_choice_key(option):
    for value in ('fp8', 'l3', True, 0):
        with pytest.raises(OptionError) as info:
            check_schema(with_value(option, value))
        assert str(info.value) == f'{option.key}: {value!r} is not one of {ALLOWED[option.key]}'
    for value in option.choices:
        check_schema(with_value(option, value))


@pytest.mark.parametrize('key, value, message', [
    ('train.channels_last', 'yes', "train.channels_last: expected bool, got 'yes'"),
    ('train.compile', 1, 'train.compile: expected bool, got 1'),
    ('sync_bn', None, 'sync_bn: expected bool, got None'),
    ('network_t', 5, 'network_t: expected mapping or str, got 5'),
    ('distill', ['conv_hr'], "distill: expected mapping, got ['conv_hr']"),
    ('distill.teacher_chunk', -1, 'distill.teacher_chunk: expected int >= 0, got -1'),
    ('distill.teacher_chunk', 2.5, 'distill.teacher_chunk: expected int >= 0, got 2.5'),
    ('distill.teacher_check', True, 'distill.teacher_check: expected int >= 0 or false, got True'),
    ('distill.init_modules', 'conv_hr', "distill.init_modules: expected list of str, got 'conv_hr'"),
    ('distill.vid_layers', ['body', 3], "distill.vid_layers: expected list of str, got ['body', 3]"),
    ('path.strict_load_t', 'no', "path.strict_load_t: expected bool, got 'no'"),
    ('train.td_opt.freeze_threshold', '1e-8', "train.td_opt.freeze_threshold: expected float >= 0, got '1e-8' "
                                              '(YAML reads 1e-8 as text: write !!float 1e-8)'),
    ('train.sd_opt.loss_weight', False, 'train.sd_opt.loss_weight: expected float, got False'),
])
def test_wrong_type(key, value, message):
    option = next(o for o in OPTIONS if o.key == key)
    with pytest.raises(OptionError) as info:
        check_schema(with_value(option, value))
    assert str(info.value) == message


def test_values_of_the_right_type_pass():
    check_schema({'distill': {'teacher_check': False, 'teacher_chunk': 0, 'init_modules': ['stage1'],
                              'student_layer': None},
                  'train': {'td_opt': {'type': 'TemporalMemoryLoss', 'loss_weight': 1, 'freeze_threshold': 0.0},
                            'channels_last': True},
                  'network_t': 'options/train/edvr_teacher.yml'})


def test_unknown_key_of_a_plugin_section():
    with pytest.raises(OptionError, match=r'^distill.teacher_autocat: unknown key; did you mean teacher_autocast\?$'):
        check_schema({'distill': {'teacher_autocat': 'bf16'}})
    with pytest.raises(OptionError, match=r'^train.vid_opt.eps: unknown key; it takes loss_weight$'):
        check_schema({'train': {'vid_opt': {'type': 'VIDLoss', 'eps': 1e-6}}})


def test_a_section_of_another_type_is_not_the_plugins():
    # A BasicSR loss in sd_opt: its keys and values are its own.
    check_schema({'train': {'sd_opt': {'type': 'CharbonnierLoss', 'reduction': 'mean', 'distance': 'l9'}}})


def test_consumers_take_exactly_the_schema_values():
    assert list(precision.DTYPES) == list(option_schema.PRECISIONS)
    assert list(attention_maps.MAPPINGS) == list(option_schema.ATTENTION_MAPPINGS)
    assert set(spatial_attention_loss.DISTANCES) == set(option_schema.DISTANCES)
    assert set(imitation_loss.DISTANCES) == set(option_schema.DISTANCES)


@pytest.mark.parametrize('build, message', [
    (lambda: SpatialAttentionLoss(mapping='sum_cube'), "attention mapping: 'sum_cube' is not one of sum, sum_sq, "
                                                       'max_sq'),
    (lambda: SpatialAttentionLoss(normalize='l3'), "attention normalize: 'l3' is not one of ~, l2"),
    (lambda: TemporalMemoryLoss(normalize='student'), "TemporalMemoryLoss normalize: 'student' is not one of "
                                                      'teacher, ~'),
    (lambda: TemporalMemoryLoss(distance='l3'), "distance: 'l3' is not one of l2, l1"),
    (lambda: ImitationLoss(distance='l3'), "train.imitation_opt.distance: 'l3' is not one of l2, l1"),
    (lambda: VIDRegressor(4, variance='pixel'), "VIDRegressor variance: 'pixel' is not one of location, channel"),
    (lambda: build_adapter(4, 8, 'learned'), "distill.adapter: 'learned' is not one of fixed, trained"),
    (lambda: precision.check_precision('fp8', 'train.autocast'), "train.autocast: 'fp8' is not one of bf16, fp16, "
                                                                 '~ (fp32)'),
])
def test_consumers_raise_option_errors(build, message):
    with pytest.raises(OptionError) as info:
        build()
    assert str(info.value) == message


SHIPPED = sorted(glob.glob(osp.join(REPO, 'options', '**', '*.yml'), recursive=True)
                 + glob.glob(osp.join(REPO, 'std_plugin', 'demo', 'options', '*.yml')))


def test_shipped_files_are_found():
    assert len(SHIPPED) >= 30


@pytest.mark.parametrize('path', SHIPPED, ids=lambda p: osp.relpath(p, REPO))
def test_shipped_option_files_pass(path):
    with open(path) as f:
        check_schema(yaml.load(f, Loader=ordered_yaml()[0]))


def test_docs_options_md_is_current():
    with open(osp.join(REPO, 'docs', 'options.md')) as f:
        assert f.read() == render_markdown(), \
            'docs/options.md is stale: python -m std_plugin.training.option_schema > docs/options.md'
