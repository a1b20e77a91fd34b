"""Clear errors for unreadable training data.

BasicSR's LMDB backend returns None for a missing key and `imfrombytes`
returns garbage or raises AttributeError on corrupt bytes, both deep inside a
DataLoader worker. The backends here return the bytes tagged with where they
came from, and the decoder names that place when it cannot decode them.
"""
import cv2

from basicsr.data import data_util
from basicsr.utils import img_util
from basicsr.utils.file_client import FileClient, HardDiskBackend, LmdbBackend
from std_plugin.core.errors import DataError


class SourcedBytes(bytes):
    """Image bytes that remember their file or LMDB key, for error messages."""
    source = '?'


def sourced(buf, source):
    out = SourcedBytes(buf)
    out.source = source
    return out


class CheckedLmdbBackend(LmdbBackend):

    def get(self, filepath, client_key):
        buf = super().get(filepath, client_key)
        db = dict(zip(self._client, self.db_paths))[client_key]
        if buf is None:
            raise DataError(f'LMDB {db} has no key {str(filepath)!r} (listed by the meta_info file)')
        return sourced(buf, f'LMDB {db} key {str(filepath)!r}')


class CheckedDiskBackend(HardDiskBackend):

    def get(self, filepath):
        try:
            return sourced(super().get(filepath), str(filepath))
        except FileNotFoundError:
            raise DataError(f'image file {filepath} does not exist') from None


def checked_imfrombytes(content, flag='color', float32=False):
    try:
        img = img_util.imfrombytes(content, flag, float32)
    except AttributeError:  # cv2.imdecode gave None and float32 conversion failed on it
        img = None
    if img is None:
        raise DataError(f'corrupt image bytes: {getattr(content, "source", "?")} could not be decoded '
                        f'({len(content)} bytes)')
    return img


def checked_read_img_seq(path, *args, **kwargs):
    """read_img_seq (test datasets); on failure, find and name the unreadable frame."""
    try:
        return data_util.read_img_seq(path, *args, **kwargs)
    except AttributeError:  # cv2.imread gave None for one of the frames
        paths = path if isinstance(path, list) else sorted(data_util.scandir(path, full_path=True))
        bad = next((p for p in paths if cv2.imread(p) is None), paths[0] if paths else path)
        raise DataError(f'image file {bad} is missing or not a readable image') from None


def install():
    """Swap the checked backends and decoder into BasicSR's video datasets."""
    import basicsr.data.reds_dataset
    import basicsr.data.video_test_dataset
    import basicsr.data.vimeo90k_dataset
    FileClient._backends['lmdb'] = CheckedLmdbBackend
    FileClient._backends['disk'] = CheckedDiskBackend
    for module in (basicsr.data.vimeo90k_dataset, basicsr.data.reds_dataset, basicsr.data.video_test_dataset):
        if hasattr(module, 'imfrombytes'):
            module.imfrombytes = checked_imfrombytes
        if hasattr(module, 'read_img_seq'):
            module.read_img_seq = checked_read_img_seq
