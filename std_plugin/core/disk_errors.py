"""A write that failed because of the disk, said as a disk error: which output
argument, which path, and the cause (full, read-only, no permission), instead
of a traceback of `OSError: [Errno 28]` after the work was done.

`disk_error_line` turns such an OSError into that line; `probe_write` finds the
cause of a write that failed without one (BasicSR's torch.save to a path gives
a RuntimeError from the zip writer; it loses the errno) by writing to the
same folder once more."""
import errno
import os
import uuid
from contextlib import contextmanager

CAUSES = {
    errno.ENOSPC: 'no space left on {path} (the disk is full)',
    errno.EDQUOT: 'disk quota exceeded on {path}',
    errno.EROFS: '{path} is on a read-only file system',
    errno.EACCES: 'permission denied writing {path}',
    errno.EPERM: 'permission denied writing {path}',
}


def is_disk_error(err):
    return isinstance(err, OSError) and err.errno in CAUSES


def disk_cause(err, path=None):
    """'no space left on PATH (...)' and the like, for an OSError from CAUSES."""
    return CAUSES[err.errno].format(path=err.filename or path or 'the output')


def is_within(path, folder):
    path, folder = os.path.realpath(os.path.abspath(path)), os.path.realpath(os.path.abspath(folder))
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def output_flag(err, outputs):
    """(flag, path) of the output argument the failed write belongs to: the one
    holding err.filename, else the only output; (None, None) when unknown."""
    if err.filename:
        for flag, path in outputs:
            if is_within(str(err.filename), path):
                return flag, path
    if len(outputs) == 1:
        return outputs[0]
    return None, None


def disk_error_line(err, outputs=()):
    """The one line for a disk OSError; outputs: [(flag, path)] of the command."""
    flag, path = output_flag(err, list(outputs))
    cause = disk_cause(err, path)
    return f'{flag}: {cause}' if flag else cause


@contextmanager
def named_writes(path):
    """A disk error raised by a write of the block without a file name (a full
    disk fails in write(), whose OSError names nothing) gets `path`."""
    try:
        yield
    except OSError as err:
        if is_disk_error(err) and not err.filename:
            err.filename = str(path)
        raise


def probe_write(folder):
    """Write (and remove) a small file in folder: raises the OSError that says why
    writes there fail (ENOSPC, EROFS...), or returns when they work again."""
    probe = os.path.join(folder, f'.write-probe-{uuid.uuid4().hex[:8]}')
    try:
        with open(probe, 'wb') as f:
            f.write(b'\0' * 65536)
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        err.filename = folder  # the folder is what the caller wrote to; the probe is ours
        raise
    finally:
        if os.path.exists(probe):
            os.remove(probe)
