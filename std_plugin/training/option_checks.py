"""Checks of a parsed option file, run before any dataset, network or output
folder is created, so a wrong option fails in one line instead of minutes
(or days) into a run. Each check raises OptionError / DataError naming the key
or file and what was expected."""
import argparse
import difflib
import inspect
import os
import os.path as osp

import torch
import yaml

from basicsr.utils.options import ordered_yaml
from basicsr.utils.registry import ARCH_REGISTRY, DATASET_REGISTRY, LOSS_REGISTRY, MODEL_REGISTRY
from std_plugin.training.clip_teacher_options import check_clip_teacher_options
from std_plugin.core.errors import DataError, OptionError
from std_plugin.training.frame_sizes import first_frame, read_frame, same_scene
from std_plugin.training.lmdb_frames import check_gt_frames
from std_plugin.training.meta_info_check import check_stated_shape, read_clip_lines, warn_duplicates
from std_plugin.training.option_schema import check_schema
from std_plugin.core.path_args import FILE, FOLDER, LMDB, OUT_FOLDER, check_input, check_output
from std_plugin.core.checkpoints import teacher_checkpoint
from std_plugin.core.frame_files import list_frames
from std_plugin.core.released_checkpoints import where_to_get

# Datasets that give one GT frame per sample: STD needs all N frames of a clip.
SINGLE_FRAME_DATASETS = ('Vimeo90KDataset', 'REDSDataset')
STD_MODELS = ('STDModel', 'PISRTeacherModel', 'PISRStudentModel')


def check_type(registry, value, key):
    names = list(registry._obj_map)
    if value not in names:
        near = difflib.get_close_matches(str(value), names, n=3)
        hint = f'; did you mean {", ".join(near)}?' if near else ''
        raise OptionError(f'{key}: unknown {registry._name} type {value!r}{hint}')


def check_types(opt):
    check_type(MODEL_REGISTRY, opt.get('model_type'), 'model_type')
    for key, value in opt.items():
        if key.startswith('network_') and isinstance(value, dict):
            check_type(ARCH_REGISTRY, value.get('type'), f'{key}.type')
    for key, value in (opt.get('train') or {}).items():
        if key.endswith('_opt') and isinstance(value, dict) and 'type' in value:
            check_type(LOSS_REGISTRY, value['type'], f'train.{key}.type')
    for phase, dataset in (opt.get('datasets') or {}).items():
        check_type(DATASET_REGISTRY, dataset.get('type'), f'datasets.{phase}.type')


# Keys BasicSR's own option files put in network sections that no arch accepts
# (its EDVR-L training files carry ema_decay in network_g): dropped, not fatal.
NON_ARCH_KEYS = ('ema_decay',)


def check_network_arguments(opt):
    for key, net in opt.items():
        if not key.startswith('network_') or not isinstance(net, dict):
            continue
        for extra in NON_ARCH_KEYS:
            net.pop(extra, None)
        params = inspect.signature(ARCH_REGISTRY.get(net['type'])).parameters
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            continue
        unknown = [k for k in net if k != 'type' and k not in params]
        if unknown:
            raise OptionError(f'{key}.{unknown[0]}: {net["type"]} takes no argument {unknown[0]!r}; it takes '
                              f'{", ".join(params)}')


def check_exists(path, key, what='file', hint=''):
    if path and not osp.exists(path):
        raise DataError(f'{key}: {what} {path} does not exist{hint}')


def check_dataset_paths(phase, dataset):
    """The dataset's paths as every command's path arguments are checked (path_args):
    exists, of the kind expected, not empty; an LMDB complete (a truncated one is
    SIGBUS when read)."""
    is_lmdb = (dataset.get('io_backend') or {}).get('type') == 'lmdb'
    for root in ('dataroot_gt', 'dataroot_lq'):
        if dataset.get(root):
            check_input(f'datasets.{phase}.{root}', LMDB if is_lmdb else FOLDER, dataset[root])
    if dataset.get('meta_info_file'):
        check_input(f'datasets.{phase}.meta_info_file', FILE, dataset['meta_info_file'])


def is_clip_list(phase, dataset):
    """A training set whose meta_info file lists its clips (Vimeo90K*, REDS*)."""
    kind = dataset.get('type', '')
    return phase == 'train' and bool(dataset.get('meta_info_file')) and ('Vimeo90K' in kind or 'REDS' in kind)


def check_meta_clips(phase, dataset):
    """The meta_info file reads as BasicSR reads it, and every clip it lists is
    in the GT and LQ data."""
    if not is_clip_list(phase, dataset):
        return
    key = f'datasets.{phase}.meta_info_file'
    rows = read_clip_lines(dataset['meta_info_file'], key)
    warn_duplicates(rows, dataset['meta_info_file'], key)
    if 'Vimeo90K' not in dataset.get('type', ''):
        return  # REDS keys are clip/frame: its clip check would need the frame count
    is_lmdb = (dataset.get('io_backend') or {}).get('type') == 'lmdb'
    clips = list(dict.fromkeys(clip for _, clip, _ in rows))
    for root in ('dataroot_gt', 'dataroot_lq'):
        missing = (missing_lmdb_clips if is_lmdb else missing_folder_clips)(dataset[root], clips)
        if missing:
            raise DataError(f'datasets.{phase}.meta_info_file {dataset["meta_info_file"]} names clip {missing[0]!r} '
                            f'that {dataset[root]} lacks ({len(missing)} missing in all)')


def missing_folder_clips(root, clips):
    return [c for c in clips if not osp.isdir(osp.join(root, c))]


def missing_lmdb_clips(root, clips):
    import lmdb
    env = lmdb.open(root, readonly=True, lock=False, readahead=False)
    with env.begin() as txn:
        missing = [c for c in clips if txn.get(f'{c}/im4'.encode()) is None]
    env.close()
    return missing


def network_frames(opt, key):
    net = opt.get(key) or {}
    return net.get('num_frame')


def check_clip_lengths(phase, dataset, window):
    """Reflection paddings index past a clip shorter than half the window."""
    if dataset.get('padding', 'replicate') == 'replicate' or not dataset.get('dataroot_lq'):
        return
    root = dataset['dataroot_lq']
    for clip in sorted(os.listdir(root)):
        count = len(list_frames(osp.join(root, clip))) if osp.isdir(osp.join(root, clip)) else window
        if count < window // 2 + 1:
            raise DataError(f'datasets.{phase}: clip {osp.join(root, clip)} has {count} frames, shorter than half '
                            f'the {window}-frame window; use padding: replicate')


def check_val_datasets(opt):
    window = network_frames(opt, 'network_g')
    for phase, dataset in (opt.get('datasets') or {}).items():
        if phase == 'train' or not window:
            continue
        if dataset.get('num_frame') not in (None, -1, window):
            raise OptionError(f'datasets.{phase}.num_frame is {dataset["num_frame"]} but network_g reads {window} '
                              'frames per output')
        check_clip_lengths(phase, dataset, window)


def check_train_dataset(opt):
    dataset = (opt.get('datasets') or {}).get('train')
    if dataset is None:
        return
    if opt.get('model_type') in STD_MODELS and dataset.get('type') in SINGLE_FRAME_DATASETS:
        raise OptionError(f'datasets.train.type {dataset["type"]} gives one GT frame per sample; {opt["model_type"]} needs '
                          'all N frames of a clip (Vimeo90KRecurrentDataset or REDSRecurrentDataset)')


def check_scales(opt):
    for key in ('network_g', 'network_t'):
        net = opt.get(key) or {}
        if 'scale' in net and net['scale'] != opt.get('scale'):
            raise OptionError(f'{key}.scale is {net["scale"]} but scale is {opt.get("scale")}')
        if net.get('type') == 'EDVR' and not net.get('hr_in') and opt.get('scale') != 4:
            raise OptionError(f'{key}: EDVR upscales x4 but scale is {opt.get("scale")}')


def check_checkpoints(opt):
    path = opt.get('path') or {}
    if opt.get('network_t'):
        teacher_checkpoint(path)
    for key, value in path.items():
        if key.startswith('pretrain_network_') and value and not path.get('resume_state'):
            check_exists(value, f'path.{key}', 'checkpoint', where_to_get(value))  # where to download it
            check_input(f'path.{key}', FILE, value)  # a folder, an empty file
    if not opt.get('auto_resume'):  # --auto_resume ignores path.resume_state
        check_exists(path.get('resume_state'), 'path.resume_state', 'training state')


def check_writable(opt):
    folder = opt['path'].get('experiments_root') or opt['path'].get('results_root')
    if not folder:
        return
    key = 'path.experiments_root' if opt['path'].get('experiments_root') else 'path.results_root'
    check_output(key, OUT_FOLDER, folder)  # a file in the way, read-only, full, not writable


def option_file_argument(argv):
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('-opt')
    return parser.parse_known_args(argv)[0].opt


def check_option_file(argv):
    """The -opt file exists and is a YAML mapping, before BasicSR reads it (it
    raises FileNotFoundError, a YAML traceback, or TypeError on an empty file)."""
    path = option_file_argument(argv)
    if path is None:
        return  # BasicSR's own parser says -opt is required
    check_input('-opt', FILE, path)
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        opt = yaml.load(text, Loader=ordered_yaml()[0])
    except UnicodeDecodeError:
        raise OptionError(f'-opt: {path} is not a text file; expected a YAML option file') from None
    except yaml.YAMLError as err:
        mark = getattr(err, 'problem_mark', None)
        where = f'line {mark.line + 1}, column {mark.column + 1}: ' if mark else ''
        raise OptionError(f'-opt: {path} is not valid YAML: {where}{getattr(err, "problem", None) or err}') \
            from None
    if opt is None:
        raise OptionError(f'-opt: option file {path} is empty; expected BasicSR options (name, model_type, '
                          'network_g, datasets, ...)')
    if not isinstance(opt, dict):
        raise OptionError(f'-opt: {path} holds a YAML {type(opt).__name__}, expected a mapping of options '
                          '(name: ..., model_type: ...)')


def check_devices(opt):
    """num_gpu > 0 on a machine without CUDA: one line rather than a silent CPU
    run (a job sized for GPUs would take days, and BasicSR multiplies the
    batch by num_gpu, so a fallback would not even train the same run)."""
    count = torch.cuda.device_count()
    if opt.get('num_gpu') and count == 0:
        raise OptionError(f'num_gpu is {opt["num_gpu"]} but this machine has no CUDA GPU '
                          '(torch.cuda.is_available() is False); set num_gpu: 0 to run on the CPU')


# Archs whose LR input must be a multiple of this (they downsample by it).
SIZE_MULTIPLE = {'FastDVDnetVSR': 4, 'EDVR': 4}


def check_patch_size(gt_size, scale, opt):
    multiple = max([SIZE_MULTIPLE.get((opt.get(k) or {}).get('type'), 1) for k in ('network_g', 'network_t')])
    lr = gt_size / scale
    if lr != int(lr) or lr % multiple:
        archs = ' and '.join(sorted({opt[k]['type'] for k in ('network_g', 'network_t')
                                     if SIZE_MULTIPLE.get((opt.get(k) or {}).get('type'), 1) == multiple}))
        step = scale * multiple
        raise OptionError(f'datasets.train.gt_size is {gt_size}: its LR patch ({gt_size}/{scale} = {lr:g} px) is '
                          f'not a multiple of {multiple}, which {archs} needs; expected a multiple of {step} such '
                          f'as {max(step, gt_size // step * step)}')


def check_frame_sizes(phase, dataset, scale, opt):
    """gt_size fits the frames, and the LR frames are the GT frames / scale."""
    is_lmdb = (dataset.get('io_backend') or {}).get('type') == 'lmdb'
    if not dataset.get('dataroot_gt') or not dataset.get('dataroot_lq'):
        return
    gt = first_frame(dataset['dataroot_gt'], is_lmdb)
    if gt is None:
        return
    (name, (gh, gw)), gt_size = gt, dataset.get('gt_size')
    if is_clip_list(phase, dataset):
        check_stated_shape(read_clip_lines(dataset['meta_info_file'], f'datasets.{phase}.meta_info_file'),
                           dataset['meta_info_file'], f'datasets.{phase}.meta_info_file', name, (gh, gw),
                           f'{name} in {dataset["dataroot_gt"]}')
    if phase == 'train' and gt_size:
        check_patch_size(gt_size, scale, opt)
        if gt_size > min(gh, gw):
            raise OptionError(f'datasets.train.gt_size is {gt_size} but the GT frames are {gw}x{gh} ({name} in '
                              f'{dataset["dataroot_gt"]}); expected gt_size <= {min(gh, gw)}')
    hr_in = any((opt.get(k) or {}).get('hr_in') for k in ('network_g', 'network_t'))  # LR read at GT size
    lq = None if hr_in else first_frame(dataset['dataroot_lq'], is_lmdb, name)
    if is_lmdb and not hr_in and lq is None:
        raise DataError(f'datasets.{phase}.dataroot_lq: LMDB {dataset["dataroot_lq"]} has no key {name!r}, the first '
                        f'frame of the GT LMDB {dataset["dataroot_gt"]}; GT and LR LMDBs hold different clips '
                        '(an LR LMDB left from other footage?)')
    if lq is not None and lq[0] == name and scale and lq[1] != (gh // scale, gw // scale):
        lh, lw = lq[1]
        raise DataError(f'datasets.{phase}.dataroot_lq: {dataset["dataroot_lq"]} holds {lw}x{lh} frames for the '
                        f'{gw}x{gh} GT frames of {dataset["dataroot_gt"]} ({name}), x{gh / lh:g}, but scale is '
                        f'{scale}; expected {gw // scale}x{gh // scale} LR frames (made at another scale?)')
    if lq is not None and lq[0] == name:
        check_same_scene(phase, dataset, is_lmdb, name)


# Below this correlation a GT/LR pair shows different scenes (measured: 0.99 for
# BI and BD pairs of one frame, about 0 for frames of different footage).
MIN_PAIR_CORRELATION = 0.5


def check_same_scene(phase, dataset, is_lmdb, name):
    """The first GT/LR pair shows one scene: an LR set left from replaced
    footage beside a re-made GT has the right keys and sizes, and trains on
    mismatched pairs without a word."""
    gt, lq = (read_frame(dataset[root], is_lmdb, name) for root in ('dataroot_gt', 'dataroot_lq'))
    if gt is None or lq is None:
        return
    corr = same_scene(gt, lq)
    if corr < MIN_PAIR_CORRELATION:
        raise DataError(f'datasets.{phase}.dataroot_lq: the LR frame {name} of {dataset["dataroot_lq"]} does not show '
                        f'the GT frame {name} of {dataset["dataroot_gt"]} (correlation {corr:.2f} with the GT shrunk '
                        f'to its size, expected >= {MIN_PAIR_CORRELATION}); GT and LR from different footage? '
                        'Make them again together')


def check_options(opt):
    """All checks, cheapest first."""
    check_schema(opt)
    check_devices(opt)
    check_types(opt)
    check_network_arguments(opt)
    check_scales(opt)
    check_clip_teacher_options(opt)
    check_train_dataset(opt)
    check_checkpoints(opt)
    for phase, dataset in (opt.get('datasets') or {}).items():
        check_dataset_paths(phase, dataset)
        check_meta_clips(phase, dataset)
        check_gt_frames(phase, dataset)
        check_frame_sizes(phase, dataset, opt.get('scale'), opt)
    check_val_datasets(opt)
    check_writable(opt)
