"""One process trains a run at a time. std-compare reuses finished runs and
retrains unfinished ones from the start; a second std-compare on the same
root (a repeated command while the first still trains, or seeds split over
processes) would otherwise restart a run that is half-way through in the
other process and write into the same experiment folder. An exclusive lock
per run makes the second process wait, then reuse the run the first
finished."""
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX: no lock (one std-compare per root at a time)
    fcntl = None


@contextmanager
def exclusive_run(lock_path, on_wait):
    """Hold an exclusive lock on lock_path for the block; when another process
    holds it, call on_wait() once, then block until it is released. The lock
    goes with the process, so a killed run never leaves a stale lock."""
    with open(lock_path, 'a') as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield
