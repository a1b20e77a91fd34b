"""python -m tests.fault_driver -opt FILE: std_plugin.train (root: the current
folder) whose disk fills after its first checkpoint: every later write under
experiments/<name> fails with ENOSPC (tests/fault_matrix.disk_fills)."""
import os
import sys

import std_plugin  # noqa: F401  (first: aliases torchvision's module for basicsr)
import basicsr.models.base_model
from std_plugin.models.std_model import STDModel
from std_plugin.training.pipelines import train
from tests.fault_matrix import disk_fills


def main():
    basicsr.models.base_model.time.sleep = lambda s: None  # BasicSR's three save retries, without the waits
    real_save, calls = STDModel.save, []

    def save(self, epoch, current_iter):
        calls.append(current_iter)
        if len(calls) == 1:
            return real_save(self, epoch, current_iter)
        with disk_fills(None, os.path.join(self.opt['path']['experiments_root'], 'any')):
            return real_save(self, epoch, current_iter)
    STDModel.save = save
    train(os.getcwd())


if __name__ == '__main__':
    sys.exit(main())
