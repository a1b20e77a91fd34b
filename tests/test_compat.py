"""Importing std_plugin registers everything, twice is harmless, and it also
works after a basicsr that the user made importable by other means."""
import subprocess
import sys

ALIAS = ('import sys, torchvision.transforms._functional_tensor as f; '
         "sys.modules['torchvision.transforms.functional_tensor'] = f; ")


def python(code):
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)


def test_import_twice_then_basicsr_names_resolve():
    proc = python('import importlib, std_plugin; importlib.reload(std_plugin); import std_plugin; '
                  'from basicsr.utils.registry import ARCH_REGISTRY as A, MODEL_REGISTRY as M; '
                  "print(A.get('FastDVDnetVSR').__name__, A.get('EDVR').__name__, M.get('STDModel').__name__)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['FastDVDnetVSR', 'EDVR', 'STDModel']


def test_import_after_basicsr():
    proc = python(ALIAS + 'import basicsr; import std_plugin; '
                  "from basicsr.utils.registry import LOSS_REGISTRY; print(LOSS_REGISTRY.get('TemporalMemoryLoss'))")
    assert proc.returncode == 0, proc.stderr
