"""An LMDB checked before use. LMDB maps data.mdb into memory: reading a page
past the end of a truncated file (a copy cut short, a full disk) kills the
process with SIGBUS, with no message, possibly after hours of training. The
file must hold every page its own meta page counts: (last_pgno + 1) pages of
psize bytes, both read from the environment opened read-only."""
import os

import lmdb

from std_plugin.core.errors import DataError


def check_lmdb(path, what):
    """Raise DataError naming `what` and path unless the LMDB at path is complete."""
    data = os.path.join(path, 'data.mdb')
    if not os.path.isfile(data):
        raise DataError(f'{what}: {path} is not an LMDB (no data.mdb in it)')
    try:
        env = lmdb.open(path, readonly=True, lock=False, readahead=False, meminit=False)
    except lmdb.Error as err:
        raise DataError(f'{what}: LMDB {path} cannot be opened ({err}); truncated or damaged? Rebuild it') from None
    try:
        expected = (env.info()['last_pgno'] + 1) * env.stat()['psize']
    finally:
        env.close()
    size = os.path.getsize(data)
    if size < expected:
        raise DataError(f'{what}: LMDB {path} is truncated: data.mdb is {size} bytes, its pages need {expected}; '
                        'rebuild or copy it again')
