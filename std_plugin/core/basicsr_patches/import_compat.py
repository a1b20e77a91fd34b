"""Patches BasicSR 1.4.2 needs on current torch/torchvision.

Only what is needed to *import* basicsr lives here; the fixes applied at run
time are its neighbours in basicsr_patches/.
"""
import importlib
import sys

_LEGACY = 'torchvision.transforms.functional_tensor'


def alias_functional_tensor():
    """basicsr.data.degradations imports torchvision.transforms.functional_tensor,
    which torchvision removed in 0.17 (renamed _functional_tensor). BasicSR master
    fixed the import but 1.4.2 is the last release, so alias the module before
    basicsr is imported. Idempotent, and a no-op on old torchvision."""
    if _LEGACY in sys.modules:
        return
    try:
        importlib.import_module(_LEGACY)
    except ImportError:
        sys.modules[_LEGACY] = importlib.import_module('torchvision.transforms._functional_tensor')


def apply():
    alias_functional_tensor()
