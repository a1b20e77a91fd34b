"""BasicVSR++ with its deformable alignment on every device.

BasicSR 1.4.2's BasicVSRPlusPlus builds its four second-order deformable
alignment modules only when `torch.cuda.is_available()`, and without them it
skips alignment with a warning. Their forward is torchvision's deform_conv2d,
which runs on CPU too (measured: a 7-frame 64x64 clip, bf16 autocast
included), so the CPU network is simply a different, weaker one, and a
checkpoint trained on a GPU does not load into it (its `deform_align.*` keys
are unexpected). install() makes the constructor build what it builds on a
GPU, on any machine: the network, its state_dict keys and its outputs are
BasicSR's own.
"""
import contextlib
import functools

import torch

from basicsr.archs import basicvsrpp_arch


@contextlib.contextmanager
def _cuda_reported_available():
    real = torch.cuda.is_available
    torch.cuda.is_available = lambda: True
    try:
        yield
    finally:
        torch.cuda.is_available = real


def install():
    """Idempotent; a no-op where CUDA is really there (nothing to fix)."""
    cls = basicvsrpp_arch.BasicVSRPlusPlus
    if getattr(cls.__init__, 'aligns_everywhere', False):
        return
    original = cls.__init__

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        if torch.cuda.is_available():
            original(self, *args, **kwargs)
            return
        # Only the constructor sees the patched answer: it allocates nothing on CUDA.
        with _cuda_reported_available():
            original(self, *args, **kwargs)

    init.aligns_everywhere = True
    cls.__init__ = init


install()
