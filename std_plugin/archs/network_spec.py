"""A network named on the command line: a registered arch name with
`key=value` overrides, or a BasicSR option file whose `network_g` is used.

Also answers the two questions inference asks of any video SR network: how
many frames it reads per output frame, and whether it wants LR or
pre-upsampled frames.
"""
import copy
import difflib
import inspect
import os

import yaml

from basicsr.archs import build_network
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.pre_upsampled import PreUpsampled
from std_plugin.core.ddp import unwrap
from std_plugin.core.errors import InputError, OptionError

# Networks whose frame count is fixed by their code rather than an option:
# DUF's temporal reductions and TOFlow's alignment loop are written for 7.
FIXED_FRAMES = {'DUF': 7, 'TOFlow': 7}
# Networks that take bicubic-upsampled frames instead of LR ones.
PRE_UPSAMPLED = {'TOFlow'}
OPTION_FILE_SUFFIXES = ('.yml', '.yaml')


def parse_override(text):
    """'num_feat=8' -> ('num_feat', 8); values are YAML, so 'widths=[8,8,8]' is a list
    ('None', Python's spelling that YAML reads as a string, is None too)."""
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise InputError(f'--arch-opt: expected key=value, got {text!r}')
    if value.strip() == 'None':
        return key.strip(), None
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError as err:
        raise InputError(f'--arch-opt {key}: {value!r} is not a YAML value: {err}') from None


def option_file_network(path):
    if not os.path.isfile(path):
        raise InputError(f'--arch: option file {path} does not exist')
    with open(path, encoding='utf-8') as f:
        try:
            opt = yaml.safe_load(f)
        except yaml.YAMLError as err:
            raise InputError(f'--arch: {path} is not valid YAML: {str(err).splitlines()[0]}') from None
    net_opt = opt.get('network_g') if isinstance(opt, dict) else None
    if not isinstance(net_opt, dict) or 'type' not in net_opt:
        raise InputError(f'--arch: {path} has no network_g section with a type')
    return dict(net_opt)


def registered_network(name):
    names = list(ARCH_REGISTRY.keys())
    if name not in names:
        near = difflib.get_close_matches(name, names, n=3) or sorted(names)
        raise InputError(f'--arch: {name!r} is neither an option file nor a registered arch; did you mean '
                         f'{", ".join(near)}?')
    return {'type': name}


def network_options(arch, overrides=()):
    """Options dict (with 'type') for `arch`, updated with the parsed overrides."""
    is_file = arch.endswith(OPTION_FILE_SUFFIXES) or os.path.isfile(arch)
    opt = option_file_network(arch) if is_file else registered_network(arch)
    opt.update(parse_override(text) for text in overrides)
    return opt


def build(opt):
    try:
        # build_network pops 'type' from the dict it gets.
        return build_network(copy.deepcopy(opt))
    except (TypeError, ValueError) as err:
        raise InputError(f'--arch {opt["type"]}: cannot build it with options {opt}: {err}') from None


def frames_per_output(net, opt):
    """Window size: the network's num_frame, else its options', else its
    constructor default (EDVR: 5), else the count its code is written for."""
    if getattr(net, 'num_frame', None):
        return int(net.num_frame)
    if 'num_frame' in opt:
        return int(opt['num_frame'])
    param = inspect.signature(ARCH_REGISTRY.get(opt['type'])).parameters.get('num_frame')
    if param is not None and param.default is not inspect.Parameter.empty:
        return int(param.default)
    if opt['type'] in FIXED_FRAMES:
        return FIXED_FRAMES[opt['type']]
    raise InputError(f'--arch {opt["type"]}: cannot tell how many frames it reads per output frame; std-infer runs '
                     'window networks (recurrent ones such as BasicVSR are not)')


def frame_count(net_opt, net, key):
    """Frames a network of an option file reads per output (frames_per_output,
    std-infer's rule), or an error naming the option key."""
    try:
        return frames_per_output(unwrap(net), net_opt)
    except InputError:
        raise OptionError(f'{key}.num_frame is required: cannot tell how many frames {net_opt["type"]} reads') \
            from None


def takes_lr_window(net, opt, scale):
    """`net` fed the LR window: networks that want upsampled frames get them."""
    return PreUpsampled(net, scale) if opt['type'] in PRE_UPSAMPLED else net
