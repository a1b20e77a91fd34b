"""Crash-safe checkpoints: BasicSR writes `models/net_*.pth` and
`training_states/<iter>.state` in place, so a kill during torch.save leaves a
truncated file that `--auto_resume` then picks. Here BasicSR's own save code
writes into a hidden staging folder next to the target and the finished file
is renamed into place (atomic on one filesystem): a file under its final name
is always complete, and the previous one stays intact until then."""
import os
import os.path as osp
import shutil
from contextlib import contextmanager

STAGING = '.saving'


@contextmanager
def staged(path_opt, key):
    """Point path_opt[key] at a staging folder while the body writes, then move
    every file written there into the real folder."""
    final = path_opt[key]
    staging = osp.join(final, STAGING)
    shutil.rmtree(staging, ignore_errors=True)  # half-written leftovers of a killed save
    os.makedirs(staging)
    path_opt[key] = staging
    try:
        yield
    finally:
        path_opt[key] = final
    for name in sorted(os.listdir(staging)):
        os.replace(osp.join(staging, name), osp.join(final, name))
