"""Streaming LMDB writing on top of BasicSR's LmdbMaker.

LmdbMaker already streams (one image at a time) and writes the meta_info.txt
BasicSR expects, but it takes a fixed map size (1 TB by default) and commits
every 5000 images whatever their size, and a write transaction keeps its dirty
pages in RAM: 5000 full-size GT frames cost gigabytes. This subclass sizes the
map from the data, grows it when the data outgrows the estimate, commits by
bytes, and reopens the environment at each of those commits, which bounds
memory whatever the dataset size.
"""
import ctypes
import math

import lmdb

import std_plugin  # noqa: F401  (aliases the torchvision module `import basicsr` needs)
from basicsr.utils.lmdb_util import LmdbMaker

_PAGE = 4096
_NODE = 64  # key, node header and pointer slack of one entry
_SLACK = 16 * 1024 ** 2  # B-tree pages, free lists and meta pages of a small DB
_HEADROOM = 1024 ** 2  # kept free in the map for the next commit's B-tree and free-list pages


def image_budget(shape):
    """An upper bound of LMDB space for one PNG of this (h, w, c): a PNG is at
    most the raw pixels plus a filter byte a row and small headers, and LMDB
    stores a large value in whole overflow pages plus a leaf entry."""
    h, w, c = shape
    return (math.ceil((h * w * c + h + 1024) / _PAGE) + 1) * _PAGE


def estimate_map_size(num_images, shape):
    return num_images * image_budget(shape) + _SLACK


def _libc_malloc_trim():
    """glibc's malloc_trim, or a no-op elsewhere (macOS, musl, Windows)."""
    try:
        return ctypes.CDLL(None).malloc_trim  # the symbols already loaded, libc among them
    except (OSError, AttributeError, TypeError):
        return lambda pad: 0


_malloc_trim = _libc_malloc_trim()


def stored_size(num_bytes, page=_PAGE):
    """Bytes one value takes in LMDB: packed into a leaf page when small,
    whole overflow pages otherwise."""
    if num_bytes + _NODE <= page // 2:
        return num_bytes + _NODE
    return math.ceil((num_bytes + _NODE) / page) * page


class StreamingLmdbMaker(LmdbMaker):
    """LmdbMaker with a data-sized, growable map and byte-bounded transactions."""

    def __init__(self, lmdb_path, map_size, commit_bytes=8 * 1024 ** 2, batch=5000, compress_level=1):
        super().__init__(lmdb_path, map_size=map_size, batch=batch, compress_level=compress_level)
        self.commit_bytes = commit_bytes
        self._pending = 0  # bytes put since the last commit

    def put(self, img_byte, key, img_shape):
        need = stored_size(len(img_byte))
        if self._pending + need > self.commit_bytes:
            self._reopen(self.env.info()['map_size'])
        # Copy-on-write can double the pages a transaction touches.
        if self._used() + 2 * (self._pending + need) + _HEADROOM > self.env.info()['map_size']:
            self._reopen(max(2 * self.env.info()['map_size'], self._used() + 4 * need + _HEADROOM))
        super().put(img_byte, key, img_shape)
        # LmdbMaker commits by itself every `batch` images.
        self._pending = 0 if self.counter % self.batch == 0 else self._pending + need

    def _used(self):
        return (self.env.info()['last_pgno'] + 1) * self.env.stat()['psize']

    def _reopen(self, map_size):
        """Commit, close and reopen. Closing unmaps the file: the kernel maps
        page-cache pages around every page LMDB reads after a commit (fault-
        around), and without this the mapped pages, hence the RSS, would grow
        with the size of the LMDB. Reopening is also when the map can grow."""
        self.txn.commit()
        self.env.close()
        self.env = lmdb.open(self.lmdb_path, map_size=map_size)
        self.txn = self.env.begin(write=True)
        self._pending = 0
        # The commit freed megabytes of dirty pages of varying sizes; glibc
        # would keep them in its heap, whose high-water mark then creeps up
        # with the number of commits. Hand them back to the OS.
        _malloc_trim(0)
