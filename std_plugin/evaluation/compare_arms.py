"""The arms of a comparison (std-compare): option files derived from ONE STD
option file, so that every arm trains the same student on the same data with
the same schedule, and differs only in what it distils.

    baseline  the file without network_t, network_lstm, distill, sd_opt, td_opt
              and the teacher's / ConvLSTM's path keys: the student alone
    std       the file as it is (SD + TD)
    sd        space distillation only (no td_opt, no ConvLSTM)
    td        time distillation only (no sd_opt)
    pisr      the baseline's file with PISR's distillation put in (compare_pisr.py)

For seed s every arm is named <name>_compare_<arm>_s<s>, has manual_seed s
(the same clip order, crops and flips: training/clip_order, sample_seeds)
and loads the same initial student weights.
"""
import copy
import os.path as osp

from std_plugin.core.errors import OptionError
from std_plugin.core.released_checkpoints import where_to_get

ARMS = ('baseline', 'std', 'sd', 'td', 'pisr')
TEACHER_KEYS = ('network_t', 'network_lstm', 'distill')
TEACHER_PATH_SUFFIXES = ('_t', '_lstm')  # pretrain_network_t, param_key_t, strict_load_lstm, ...
DROPPED = {  # arm -> (top-level keys, train keys, path suffixes) it drops
    'baseline': (TEACHER_KEYS, ('sd_opt', 'td_opt'), TEACHER_PATH_SUFFIXES),
    'std': ((), (), ()),
    'sd': (('network_lstm',), ('td_opt',), ('_lstm',)),
    'td': ((), ('sd_opt',), ()),
    'pisr': (TEACHER_KEYS, ('sd_opt', 'td_opt'), TEACHER_PATH_SUFFIXES),  # then compare_pisr.with_pisr
}
NEEDS = {'std': ('sd_opt', 'td_opt'), 'sd': ('sd_opt',), 'td': ('td_opt',)}  # any of them


def parse_arms(text):
    arms = [a.strip() for a in text.split(',') if a.strip()]
    unknown = [a for a in arms if a not in ARMS]
    if unknown or not arms:
        raise OptionError(f'--arms: unknown arm {unknown[0] if unknown else text!r}; the arms are {", ".join(ARMS)}')
    if len(set(arms)) != len(arms):
        raise OptionError(f'--arms: {text!r} names an arm twice')
    return arms


def check_arms(opt, arms, source):
    """Every distilling arm needs a teacher and its loss in the option file."""
    train = opt.get('train') or {}
    for arm in arms:
        if arm not in NEEDS:
            continue
        if not opt.get('network_t'):
            raise OptionError(f'{source} has no network_t: the {arm} arm distils from a teacher '
                              '(use --arms baseline, or an STD option file)')
        if not any(train.get(key) for key in NEEDS[arm]):
            raise OptionError(f'{source} has no train.{" or train.".join(NEEDS[arm])}: the {arm} arm needs it')


def check_teacher_files(opt, arms, root):
    """The teacher's checkpoint (or option file) must exist under root before the
    first run starts, not after the baseline has trained."""
    if not any(arm in NEEDS for arm in arms):
        return
    teacher = opt['network_t']
    key, path = ('network_t', teacher) if isinstance(teacher, str) else \
        ('path.pretrain_network_t', (opt.get('path') or {}).get('pretrain_network_t'))
    if path and not osp.exists(osp.join(root, path)):
        raise OptionError(f'{key}: {path} does not exist (relative paths are read from --root {root})'
                          f'{where_to_get(path, root)}')


def given_init(opt):
    """The file's path.pretrain_network_g: when set, every arm of every seed starts
    from it (a fine-tuning comparison; seeds then differ in clip order, crops and
    in the distillation's fixed random modules), else each seed draws its own weights."""
    return (opt.get('path') or {}).get('pretrain_network_g')


def check_student_init(opt, root):
    path = given_init(opt)
    if path and not osp.isfile(osp.join(root, path)):
        raise OptionError(f'path.pretrain_network_g: {path} does not exist (relative paths are read from '
                          f'--root {root}); leave it empty to start each seed from its own random weights')


def arm_options(opt, arm):
    """A deep copy of opt without what the arm leaves out."""
    keys, train_keys, path_suffixes = DROPPED[arm]
    out = {k: copy.deepcopy(v) for k, v in opt.items() if k not in keys}
    out['train'] = {k: v for k, v in out['train'].items() if k not in train_keys}
    out['path'] = {k: v for k, v in (out.get('path') or {}).items()
                   if not (k.startswith(('pretrain_network_', 'param_key_', 'strict_load_'))
                           and k.endswith(path_suffixes))}
    return out


def run_name(name, arm, seed):
    return f'{name}_compare_{arm}_s{seed}'


def seeded_run(opt, arm, seed, init_file):
    """The option file of one (arm, seed) run."""
    out = arm_options(opt, arm)
    out['name'] = run_name(opt['name'], arm, seed)
    out['manual_seed'] = seed
    key = (opt.get('path') or {}).get('param_key_g', 'params') if given_init(opt) else 'params'
    out['path'].update(pretrain_network_g=str(init_file), param_key_g=key, strict_load_g=True, resume_state=None)
    return out
