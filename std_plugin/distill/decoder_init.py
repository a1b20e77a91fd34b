"""PISR's student starts from its teacher's decoder: the modules named in the
option file (`distill.init_modules`, module paths as in std_plugin.core.taps) are
copied, weights and buffers (BatchNorm statistics too), from the decoder to
the student, which has exactly the decoder's architecture."""
from std_plugin.core.taps import LayerPathError, resolve_module
from std_plugin.core.ddp import unwrap
from std_plugin.core.errors import OptionError


def named_module(net, path, key, what):
    """The module at `path`, or one line naming the option key and the network."""
    try:
        return resolve_module(net, path)
    except LayerPathError as err:
        raise OptionError(f'{key}: {what} {err}') from None


def initialise_from_decoder(student, decoder, paths, key='distill.init_modules'):
    """Copy each module of `paths` from decoder to student; returns the paths copied.
    Every path is checked before anything is copied."""
    if isinstance(paths, str) or not paths:
        raise OptionError(f'{key} must be a list of module paths of the decoder, got {paths!r}')
    pairs = [(named_module(decoder, p, key, 'the teacher decoder'), named_module(student, p, key, 'network_g'))
             for p in paths]
    for src, dst in pairs:
        dst.load_state_dict(src.state_dict())
    return list(paths)


def decoder_of(teacher):
    return unwrap(teacher).decoder
