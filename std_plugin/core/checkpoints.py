"""Loading BasicSR checkpoints ({param_key: state_dict}) with one clear error
per failure, and only with `weights_only=True`: a downloaded teacher file can
then never execute code on load."""
import logging
import pickle

import torch

from std_plugin.core.ddp import unwrap
from std_plugin.core.errors import CheckpointError, OptionError


# torch.save writes a zip archive ('PK'); its legacy format starts with a pickle
# protocol byte (0x80). Anything else (a text file, an HTML error page saved as
# .pth) makes the unpickler fail with IndexError/KeyError that name nothing.
CHECKPOINT_MAGIC = (b'PK', b'\x80')

# BasicSR's logger: in training its lines go to the run's log file and console.
logger = logging.getLogger('basicsr')


NO_TEACHER_CHECKPOINT = ('path.pretrain_network_t is required when network_t is set: a randomly initialised '
                         'teacher has nothing to teach')


def teacher_checkpoint(path_opt):
    """path.pretrain_network_t, which a network_t requires: OptionError without it."""
    ckpt = (path_opt or {}).get('pretrain_network_t')
    if not ckpt:
        raise OptionError(NO_TEACHER_CHECKPOINT)
    return ckpt


def check_header(path, what):
    with open(path, 'rb') as f:
        head = f.read(16)
    if not head:
        raise CheckpointError(f'{what}: {path} is empty (0 bytes), expected a PyTorch checkpoint; '
                              'was its writing interrupted?')
    if not head.startswith(CHECKPOINT_MAGIC):
        raise CheckpointError(f'{what}: {path} is not a PyTorch checkpoint (it starts with {head[:12]!r}, '
                              'expected a file written by torch.save)')


def read_checkpoint(path, what='checkpoint'):
    try:
        check_header(path, what)
    except FileNotFoundError:
        raise CheckpointError(f'{what}: {path} does not exist') from None
    except IsADirectoryError:
        raise CheckpointError(f'{what}: {path} is a folder, expected a checkpoint file') from None
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f'{what}: {path} does not exist') from None
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0]
        raise CheckpointError(f'{what}: {path} was refused by the safe loader (weights_only=True), it holds '
                              f'more than tensors or is not a PyTorch file: {first}') from None
    except (RuntimeError, EOFError, OSError, IndexError, KeyError, ValueError) as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise CheckpointError(f'{what}: {path} is not a readable PyTorch checkpoint (truncated or damaged?): '
                              f'{first}') from None


def first_non_finite(state):
    """(key, count of NaN/Inf values, numel) of the first floating tensor of a
    state dict holding a NaN or Inf, or None."""
    for key, value in state.items():
        if torch.is_tensor(value) and value.is_floating_point():
            bad = int((~torch.isfinite(value)).sum())
            if bad:
                return key, bad, value.numel()
    return None


def check_finite_weights(state, path, what):
    """Refuse NaN/Inf weights before any forward: BasicSR does not stop a
    diverging run, so such checkpoints exist, and a NaN reaching EDVR's
    deform_conv2d on CPU segfaults instead of raising."""
    found = first_non_finite(state)
    if found:
        key, bad, total = found
        raise CheckpointError(f'{what}: {path} holds non-finite weights: {key} has {bad} NaN/Inf of {total} '
                              'values (a diverged run?); expected finite weights')


def select_params(ckpt, path, param_key, what):
    """The state dict under `param_key` ('params_ema' falls back to 'params',
    as BasicSR does); a bare state dict is accepted when param_key is None."""
    if param_key is None:
        return ckpt
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{what}: {path} holds a {type(ckpt).__name__}, expected a dict of state dicts')
    if param_key not in ckpt and param_key == 'params_ema' and 'params' in ckpt:
        logger.warning(f"{what}: {path} has no 'params_ema' entry (param_key); loading its 'params' instead")
        param_key = 'params'
    if param_key not in ckpt:
        keys = [k for k in ckpt if isinstance(ckpt.get(k), dict)]
        raise CheckpointError(f'{what}: {path} has no {param_key!r} entry (param_key); it has {keys or list(ckpt)[:8]}')
    return ckpt[param_key]


def load_weights(net, path, param_key='params', strict=True, what='checkpoint'):
    """Load `path`[param_key] into `net` (unwrapped, 'module.' prefixes removed)."""
    return load_state(net, select_params(read_checkpoint(path, what), path, param_key, what), path, strict, what)


def load_state(net, state, path, strict=True, what='checkpoint'):
    """Load a state dict read from `path` into `net`, with a clear error when it does not fit."""
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    net = unwrap(net)
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if strict and (missing or unexpected):
        raise CheckpointError(f'{what}: {path} does not fit {type(net).__name__}: {len(missing)} missing keys '
                              f'{missing[:3]}, {len(unexpected)} unexpected keys {unexpected[:3]}; '
                              'is it a checkpoint of another architecture or other options?')
    if not strict and (missing or unexpected):
        # BasicSR lists them for network_g; a silent partial load would train on random tensors.
        logger.warning(f'{what}: {path} loaded non-strictly into {type(net).__name__}: {len(missing)} keys left '
                       f'at their random initialisation {missing}, {len(unexpected)} keys of the file unused '
                       f'{unexpected}')
    check_finite_weights(state, path, what)
    shapes = [k for k in set(expected) & set(state) if expected[k].shape != state[k].shape]
    if shapes:
        k = sorted(shapes)[0]
        raise CheckpointError(f'{what}: {path} does not fit {type(net).__name__}: {k} has shape '
                              f'{tuple(state[k].shape)} in the file and {tuple(expected[k].shape)} in the network')
    net.load_state_dict(state, strict=strict)
    return net
