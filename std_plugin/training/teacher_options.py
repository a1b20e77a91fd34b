"""`network_t` given as the path of an existing BasicSR option file: the
teacher is that file's `network_g`, loaded from its `path.pretrain_network_g`
(and `param_key_g`, `strict_load_g`), so a team points at the EDVR config it
trained with instead of copying it. Values set in this run's `path` win."""
import os.path as osp

import yaml

from basicsr.utils.options import ordered_yaml
from std_plugin.core.errors import OptionError

PATH_KEYS = {'pretrain_network_t': 'pretrain_network_g', 'param_key_t': 'param_key_g',
             'strict_load_t': 'strict_load_g'}


def read_option_file(path, key):
    if not osp.isfile(path):
        raise OptionError(f'{key}: option file {path} does not exist')
    with open(path) as f:
        other = yaml.load(f, Loader=ordered_yaml()[0])
    if not isinstance(other, dict) or not isinstance(other.get('network_g'), dict):
        raise OptionError(f'{key}: {path} has no network_g section to use as the teacher')
    return other


def resolve_teacher_options(opt):
    """Replace a string network_t by the network_g of the option file it names."""
    source = opt.get('network_t')
    if not isinstance(source, str):
        return opt
    other = read_option_file(source, 'network_t')
    opt['network_t'] = dict(other['network_g'])
    theirs = other.get('path') or {}
    for ours, their_key in PATH_KEYS.items():
        if opt['path'].get(ours) is None and theirs.get(their_key) is not None:
            opt['path'][ours] = theirs[their_key]
    return opt
