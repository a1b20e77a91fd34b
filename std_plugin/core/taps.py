"""Capture the output of a module named by its path (F^SR) from any network.

A tap is a forward hook: it needs no change to the network's code, so BasicSR's
EDVR, DUF and TOFlow are tapped exactly like our students. Every call of the
module is kept, in call order: take() concatenates them along the batch (a
chunked window teacher calls it once per chunk); take_frames(n) stacks the n
calls a recurrent network makes in one forward, one per frame (BasicVSR's
conv_hr), into the frame order of clip_to_windows.
"""
import difflib

import torch

from std_plugin.core.ddp import unwrap
from std_plugin.core.errors import OptionError


class LayerPathError(OptionError, KeyError):
    """A module path that the network does not have."""

    def __str__(self):  # KeyError would print the message in quotes
        return self.args[0]


def resolve_module(net, path):
    """Module of `net` at dotted `path` ('' is the network itself); a wrong
    path raises LayerPathError listing the nearest valid paths."""
    net = unwrap(net)
    if path.startswith('module.'):  # paths copied from a wrapped model's named_modules()
        path = path[len('module.'):]
    modules = dict(net.named_modules())
    if path not in modules:
        names = [n for n in modules if n]
        near = difflib.get_close_matches(path, names, n=5, cutoff=0.4) or names[-5:]
        raise LayerPathError(f'{type(net).__name__} has no module {path!r}; nearest valid module paths: '
                             f'{", ".join(near)}')
    return modules[path]


class FeatureTap:
    """Records what the module at `path` returns, for every forward call.

    Usage:
        tap = FeatureTap(net, 'conv_hr')
        out = net(x)
        feat = tap.take()   # the module's output tensor(s) of the calls since the last take()
        tap.remove()
    """

    def __init__(self, net, path):
        self.path = path
        self.module = resolve_module(net, path)
        self._outputs = []
        self._handle = self.module.register_forward_hook(self._record)

    def _record(self, module, inputs, output):
        self._outputs.append(output)

    def take(self):
        """The recorded output (concatenated along dim 0 over several calls),
        and forget it; raises if the module did not run since the last take()."""
        if not self._outputs:
            raise RuntimeError(f'module {self.path!r} produced no output since the last take(): '
                               'is it used in forward()?')
        outputs, self._outputs = self._outputs, []
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=0)

    def take_frames(self, frames, key='tapped layer'):
        """The outputs of one forward of a clip network that ran the module once
        per frame, in frame order: (B*frames, ...) with frame t of clip b at row
        b*frames + t, the row layout of clip_to_windows; and forget them. Any
        other number of calls raises OptionError naming `key`."""
        outputs, self._outputs = self._outputs, []
        if len(outputs) != frames:
            raise OptionError(f'{key} {self.path!r} ran {len(outputs)} times in one forward of a {frames}-frame clip; '
                              'a clip teacher\'s F^SR layer must run once per frame (BasicVSR: conv_hr)')
        return torch.stack(outputs, dim=1).flatten(0, 1)

    def clear(self):
        self._outputs = []

    def remove(self):
        self._handle.remove()
        self._outputs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
