"""--verify: decode every image of an LMDB and check it against the meta_info files."""
from pathlib import Path

import cv2
import lmdb
import numpy as np
from tqdm import tqdm

from std_plugin.data.prep.frames import shape_of
from std_plugin.data.prep.meta_info import expected_images, parse_lmdb_meta_line
from std_plugin.core.errors import DatasetPrepError
from std_plugin.core.lmdb_integrity import check_lmdb


def _decode(lmdb_path, txn, key):
    value = txn.get(key.encode('ascii'))
    if value is None:
        raise DatasetPrepError(f'{lmdb_path}: key {key} is listed in meta_info.txt but missing')
    img = cv2.imdecode(np.frombuffer(value, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise DatasetPrepError(f'{lmdb_path}: key {key} does not decode as an image')
    return img


def verify_lmdb(lmdb_path, expected=None):
    """Check that every key of the LMDB's meta_info.txt decodes to its listed
    shape, that the LMDB holds nothing else, and (with `expected`, an iterable
    of (key, shape) in writing order) that it holds exactly those images.
    Streams both files, so memory does not grow with the LMDB. Returns the
    number of images."""
    lmdb_path = Path(lmdb_path)
    meta_path = lmdb_path / 'meta_info.txt'
    for needed in (lmdb_path / 'data.mdb', meta_path):
        if not needed.is_file():
            raise DatasetPrepError(f'{needed}: missing, so {lmdb_path} is not a complete LMDB')
    check_lmdb(str(lmdb_path), '--verify')  # a truncated data.mdb is a SIGBUS when its pages are read
    expected = None if expected is None else iter(expected)
    env = lmdb.open(str(lmdb_path), readonly=True, lock=False, readahead=False)
    try:
        with env.begin() as txn, open(meta_path) as meta:
            entries = txn.stat()['entries']
            count = 0
            for count, line in enumerate(tqdm(meta, total=entries, unit='img', desc=f'verify {lmdb_path.name}'), 1):
                key, shape = parse_lmdb_meta_line(line, f'{meta_path}:{count}')
                _check_expected(lmdb_path, expected, key, shape)
                actual = shape_of(_decode(lmdb_path, txn, key))
                if actual != shape:
                    raise DatasetPrepError(f'{lmdb_path}: key {key} decodes to {actual}, meta_info.txt says {shape}')
            _check_exhausted(lmdb_path, expected)
            if count != entries:
                raise DatasetPrepError(f'{lmdb_path}: holds {entries} images but meta_info.txt lists {count}')
    finally:
        env.close()
    return count


def _check_expected(lmdb_path, expected, key, shape):
    if expected is None:
        return
    want = next(expected, None)
    if want is None:
        raise DatasetPrepError(f'{lmdb_path}: key {key} is not in the dataset meta_info file')
    if want != (key, shape):
        raise DatasetPrepError(f'{lmdb_path}: found {key} {shape} where the dataset meta_info file '
                               f'implies {want[0]} {want[1]}')


def _check_exhausted(lmdb_path, expected):
    missing = None if expected is None else next(expected, None)
    if missing is not None:
        raise DatasetPrepError(f'{lmdb_path}: key {missing[0]} of the dataset meta_info file is missing')


def verify_outputs(names, degradations, key_scheme):
    """Verify the GT LMDB and each LR LMDB of a run against its dataset meta_info
    file (LR shapes are GT shapes / scale). Returns {lmdb path: images}."""
    meta = names.meta_info()
    if not meta.is_file():
        raise DatasetPrepError(f'{meta}: dataset meta_info file not found')
    checked = {names.gt_lmdb(): verify_lmdb(names.gt_lmdb(), expected_images(meta, key_scheme))}
    for name in degradations:
        path = names.lr_lmdb(name)
        checked[path] = verify_lmdb(path, expected_images(meta, key_scheme, names.scale))
    return checked
