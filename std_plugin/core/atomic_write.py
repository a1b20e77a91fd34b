"""All-or-nothing outputs: write under a hidden temporary name next to the
destination, then rename it into place. A file (or folder) under its final
name is then always complete; a crash or error leaves the previous one as it
was and removes the temporary one, which hides from frame listings and `ls`.

    with atomic_path('out/lstm.pth') as tmp:
        torch.save(ckpt, tmp)

The temporary name keeps the suffix ('.lstm.partial-<pid>.pth'): writers that
pick a format or check a name by it (cv2.imwrite, BasicSR's LmdbMaker, which
insists on '.lmdb') accept it. The rename is atomic on one file system, which
a sibling of the destination is on.
"""
import os
import shutil
from contextlib import contextmanager
from pathlib import Path


def staging_path(final):
    """The hidden sibling a write to `final` goes to first."""
    final = Path(final)
    return final.with_name(f'.{final.stem}.partial-{os.getpid()}{final.suffix}')


def remove(path):
    """Remove a file, a link or a folder tree; nothing when it is not there."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def commit(staging, final):
    """Rename `staging` to `final`. os.replace swaps a file for a file in one
    step; it cannot put a folder in the place of anything, or a file in the
    place of a folder, so then the old output is renamed aside and removed only
    once the new one is in place."""
    staging, final = Path(staging), Path(final)
    occupied = final.exists() or final.is_symlink()
    if not occupied or not (staging.is_dir() or final.is_dir()):
        os.replace(staging, final)
        return
    old = final.with_name(f'.{final.stem}.replaced-{os.getpid()}{final.suffix}')
    remove(old)
    final.rename(old)
    try:
        staging.rename(final)
    except BaseException:
        old.rename(final)
        raise
    remove(old)


@contextmanager
def atomic_path(final):
    """Yield the path to write to instead of `final` (its folder is created);
    on a clean exit it is renamed to `final`, on any exception (Ctrl-C too)
    it is removed and `final` is left untouched."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(final)
    remove(staging)  # only a leftover of a killed run with this same pid can be there
    try:
        yield staging
        commit(staging, final)
    finally:
        remove(staging)  # gone after a commit; what a failed write left otherwise
