"""The version is written once, in std_plugin/__init__.py, and setup.py reads it without importing torch."""
import subprocess
import sys

import std_plugin
from tests.conftest import REPO

WITHOUT_TORCH = ("import runpy, sys; sys.modules['torch'] = None; sys.argv = ['setup.py', '--version']; "
                 "runpy.run_path('setup.py', run_name='__main__')")


def test_setup_reads_the_package_version_without_importing_torch():
    proc = subprocess.run([sys.executable, '-c', WITHOUT_TORCH], cwd=REPO, capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip().splitlines()[-1] == std_plugin.__version__
