"""Crash-safe checkpoints: BasicSR writes `models/net_*.pth` and
`training_states/<iter>.state` in place, so a kill during torch.save leaves a
truncated file that `--auto_resume` then picks. Here BasicSR's own save code
writes into a hidden staging folder next to the target and the finished file
is renamed into place (atomic on one filesystem): a file under its final name
is always complete, and the previous one stays intact until then.

BasicSR catches a failed torch.save, retries, then logs "Just ignore it" and
trains on: a run that cannot checkpoint would lose everything after the last
good one, and the half-written file it leaves would be renamed into place.
torch.save is watched while BasicSR saves: a save whose last attempt failed
(or that wrote nothing) stops the run with the cause (found by writing there
once more) and the previous checkpoint, intact; its partial file is removed."""
import os
import os.path as osp
import shutil
from contextlib import contextmanager

import torch

from std_plugin.core.atomic_write import commit
from std_plugin.core.disk_errors import disk_cause, is_disk_error, probe_write
from std_plugin.core.errors import CheckpointError
from std_plugin.training.resume import last_checkpoint_note

STAGING = '.saving'


def save_failure(path_opt, key, staging, failure=None):
    """The CheckpointError for a save that failed (`failure`, its exception) or
    wrote nothing into staging; the cause is found before the staging folder
    (and the space its partial files hold) is removed."""
    try:
        if is_disk_error(failure):
            raise failure
        probe_write(staging)
        cause = (f'torch.save failed: {str(failure).strip().splitlines()[0]}' if failure is not None
                 else f'nothing was written to {staging} (see the warnings above)')
    except OSError as disk:
        if not is_disk_error(disk):
            raise
        cause = disk_cause(disk, staging)
    shutil.rmtree(staging, ignore_errors=True)
    return CheckpointError(f'path.{key}: cannot save a checkpoint: {cause}; training stops (a run that cannot '
                           f'checkpoint should not go on); {last_checkpoint_note(path_opt)}')


@contextmanager
def watched_saves():
    """{path: the exception of its last torch.save attempt, or None} for the block."""
    outcomes, real = {}, torch.save

    def save(obj, f, *args, **kwargs):
        try:
            real(obj, f, *args, **kwargs)
        except Exception as err:  # BasicSR's retry loop catches Exception: record, re-raise
            outcomes[str(f)] = err
            raise
        outcomes[str(f)] = None
    torch.save = save
    try:
        yield outcomes
    finally:
        torch.save = real


def first_failure(outcomes):
    return next((err for err in outcomes.values() if err is not None), None)


@contextmanager
def staged(path_opt, key, expect_files=True):
    """Point path_opt[key] at a staging folder while the body writes, then move
    every file written there into the real folder. expect_files: the body must
    write at least one file (BasicSR's 'latest' save writes no training state)."""
    final = path_opt[key]
    staging = osp.join(final, STAGING)
    shutil.rmtree(staging, ignore_errors=True)  # half-written leftovers of a killed save
    os.makedirs(staging)
    path_opt[key] = staging
    outcomes = {}
    try:
        with watched_saves() as outcomes:
            yield
    except Exception as err:  # e.g. reading back the half-written state BasicSR left (sample_seeds)
        failure = first_failure(outcomes)
        if failure is None and not is_disk_error(err):
            raise
        path_opt[key] = final
        raise save_failure(path_opt, key, staging, failure or err) from None
    finally:
        path_opt[key] = final
    if first_failure(outcomes) is not None:
        raise save_failure(path_opt, key, staging, first_failure(outcomes))
    names = sorted(os.listdir(staging))
    if expect_files and not names:
        raise save_failure(path_opt, key, staging)
    for name in names:
        commit(osp.join(staging, name), osp.join(final, name))
