"""One process trains a run at a time. std-compare reuses finished runs and
retrains unfinished ones from the start; a second std-compare on the same
root (a repeated command while the first still trains, or seeds split over
processes) would otherwise restart a run that is half-way through in the
other process and write into the same experiment folder. An exclusive lock
per run makes the second process wait, then reuse the run the first
finished. Training itself (train.py, std-train) takes the same lock on its
experiment folder and refuses to start while another process holds it: two
runs of one experiment would archive each other's live folder, share its
staging folders and overwrite each other's checkpoints and log.

The lock file holds the PID of its holder, to name it. The lock goes with the
process (flock), so a killed run never leaves a stale lock."""
import os
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX: no lock (one run per experiment at a time)
    fcntl = None


def holder_pid(lock_path):
    """The PID written by the holder of lock_path, or '?'."""
    try:
        with open(lock_path) as f:
            return f.read().strip() or '?'
    except OSError:
        return '?'


def try_lock(lock_path):
    """An open handle holding the exclusive lock on lock_path (our PID written
    in it), or None when another process holds it."""
    handle = open(lock_path, 'a+')
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
    write_pid(handle)
    return handle


def write_pid(handle):
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()


@contextmanager
def exclusive_run(lock_path, on_wait):
    """Hold an exclusive lock on lock_path for the block; when another process
    holds it, call on_wait() once, then block until it is released."""
    handle = try_lock(lock_path)
    if handle is None:
        on_wait()
        handle = open(lock_path, 'a+')
        fcntl.flock(handle, fcntl.LOCK_EX)
        write_pid(handle)
    with handle:
        yield


def experiment_lock_path(experiments_root):
    """Beside the experiment folder, not in it: BasicSR renames that folder
    (to <name>_archived_<time>) when a new run starts."""
    parent, name = os.path.split(os.path.normpath(experiments_root))
    return os.path.join(parent, f'.{name}.lock')
