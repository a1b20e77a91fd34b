"""All-or-nothing outputs of a whole prep run.

Every output (LR folder, LMDB, meta_info file) is written to its hidden
staging sibling (core/atomic_write.py) and renamed into place only once
the whole run has succeeded, so an interrupted or failed run never leaves a
half-written LMDB that looks complete, and never touches what was there before.
"""
from pathlib import Path

from std_plugin.core.atomic_write import commit, remove, staging_path
from std_plugin.core.errors import DatasetPrepError


class StagedOutputs:
    """Context manager: `stage(final)` gives the path to write to; on a clean
    exit every staged path is renamed to its final name, on an error (or
    Ctrl-C) every staged path is deleted."""

    def __init__(self, overwrite=False):
        self.overwrite = overwrite
        self._staged = {}  # final path -> staging path

    def stage(self, final):
        final = Path(final)
        if final in self._staged:
            raise DatasetPrepError(f'{final}: written twice by one run')
        if (final.exists() or final.is_symlink()) and not self.overwrite:
            raise DatasetPrepError(f'{final}: output already exists (pass --overwrite to replace it)')
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = staging_path(final)
        remove(staging)  # only a leftover of a killed run with this same pid can be there
        self._staged[final] = staging
        return staging

    def finals(self):
        """The final paths staged so far."""
        return list(self._staged)

    def commit(self):
        for final, staging in self._staged.items():
            commit(staging, final)
        self._staged.clear()

    def discard(self):
        for staging in self._staged.values():
            remove(staging)
        self._staged.clear()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.discard()
        return False
