"""The `pisr` arm of std-compare: PISR's student (Lee et al., ECCV 2020)
trained beside the baseline and STD arms of ONE STD option file.

Its option file is the baseline arm's (same student, data, schedule,
validation, seed and initial student weights) with the distillation of a
PISR student-stage file (--pisr-opt) put in: model_type, network_t (the
trained PISR teacher), network_vid, distill, train.vid_opt and the teacher's
and regressor's path keys. The modules named in that file's
`distill.init_modules` then start from the teacher's decoder instead of the
shared initial weights: that is the scheme (the table says so).
"""
import copy
import os.path as osp

import yaml

from std_plugin.training.pisr_options import STUDENT_MODEL, arch_arguments
from std_plugin.core.errors import InputError, OptionError

ARM = 'pisr'
KEYS = ('model_type', 'network_t', 'network_vid', 'distill')
PATH_SUFFIXES = ('_t', '_vid')  # pretrain_network_t, param_key_t, strict_load_vid, ...


def read_pisr_options(path, opt, arms):
    """The --pisr-opt file when the pisr arm is asked for (None otherwise), checked
    against the STD file: a PISR student stage for the same student."""
    if ARM not in arms:
        return None
    if not path:
        raise InputError('--arms pisr needs --pisr-opt: a PISR student-stage option file '
                         '(e.g. std_plugin/demo/options/demo_pisr.yml)')
    if not osp.isfile(path):
        raise InputError(f'--pisr-opt: option file {path} does not exist')
    with open(path) as f:
        pisr = yaml.safe_load(f)
    if not isinstance(pisr, dict) or pisr.get('model_type') != STUDENT_MODEL or not pisr.get('network_t') \
            or not (pisr.get('train') or {}).get('vid_opt'):
        raise InputError(f'--pisr-opt: {path} is not a PISR student-stage option file (model_type '
                         f'{STUDENT_MODEL}, network_t, train.vid_opt)')
    if arch_arguments(pisr['network_g']) != arch_arguments(opt['network_g']):
        raise InputError(f'--pisr-opt: the network_g of {path} differs from the compared file\'s: every arm must '
                         'train the same student')
    return pisr


def check_pisr_teacher(pisr, root):
    """The PISR teacher's checkpoint must exist before the first run starts."""
    if pisr is None:
        return
    ckpt = (pisr.get('path') or {}).get('pretrain_network_t')
    if not ckpt or not osp.exists(osp.join(root, ckpt)):
        raise OptionError(f'--pisr-opt path.pretrain_network_t: {ckpt} does not exist (relative paths are read from '
                          f'--root {root}); train the PISR teacher stage first')


def with_pisr(run_opt, pisr):
    """The baseline arm's run options with PISR's distillation put in."""
    out = copy.deepcopy(run_opt)
    out.update({k: copy.deepcopy(pisr[k]) for k in KEYS if k in pisr})
    out['train']['vid_opt'] = copy.deepcopy(pisr['train']['vid_opt'])
    out['path'].update({k: v for k, v in (pisr.get('path') or {}).items()
                        if k.startswith(('pretrain_network_', 'param_key_', 'strict_load_'))
                        and k.endswith(PATH_SUFFIXES)})
    return out


def pisr_note(pisr):
    modules = ', '.join(pisr['distill'].get('init_modules') or [])
    return (f'\n**pisr** starts from the PISR teacher\'s decoder ({pisr["path"]["pretrain_network_t"]}, trained '
            f'first, separately) for distill.init_modules ({modules}), not from the shared initial weights '
            '(the scheme allows no other start); its other modules, data order and schedule are the other '
            "arms'. The teacher stage's own iterations are not counted in the budget.\n")
