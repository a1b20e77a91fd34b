"""BasicSR's meta_info formats and frame-key schemes.

Dataset meta_info (read by Vimeo90KDataset, REDSDataset, VideoTestDataset,
VideoTestVimeo90KDataset): one line per clip, 'clip num_frames (h,w,c)', e.g.
'00001/0001 7 (256,448,3)' or '000 100 (720,1280,3)'.
LMDB meta_info.txt (written by LmdbMaker): one line per image,
'key.png (h,w,c) compress_level'.
"""
from std_plugin.core.errors import DatasetPrepError


def vimeo_keys(clip, num_frames=7):
    """Vimeo90K septuplet frames: '00001/0001/im1' .. 'im7'."""
    return [f'{clip}/im{i}' for i in range(1, num_frames + 1)]


def numbered_key(clip, index):
    """REDS / Vid4-style frame: '000/00000000', '000/00000001', ..."""
    return f'{clip}/{index:08d}'


def numbered_keys(clip, num_frames):
    return [numbered_key(clip, i) for i in range(num_frames)]


def _shape(text, where):
    try:
        shape = tuple(int(v) for v in text.strip('()').split(','))
    except ValueError:
        shape = ()
    if len(shape) != 3:
        raise DatasetPrepError(f'{where}: bad shape {text!r}, expected (h,w,c)')
    return shape


def meta_info_line(clip, num_frames, shape):
    # No spaces inside the shape: REDSDataset splits each line on single spaces.
    return f'{clip} {num_frames} ({",".join(str(v) for v in shape)})'


def read_meta_info(path):
    """Yield (clip, num_frames, (h, w, c)) of a dataset meta_info file."""
    with open(path) as fin:
        for number, line in enumerate(fin, 1):
            parts = line.split()
            if len(parts) != 3:
                raise DatasetPrepError(f'{path}:{number}: expected "clip num_frames (h,w,c)", got {line.strip()!r}')
            yield parts[0], int(parts[1]), _shape(parts[2], f'{path}:{number}')


def parse_lmdb_meta_line(line, where):
    """'00001/0001/im1.png (256,448,3) 1' -> ('00001/0001/im1', (256, 448, 3))."""
    parts = line.split()
    if len(parts) != 3 or not parts[0].endswith('.png'):
        raise DatasetPrepError(f'{where}: expected "key.png (h,w,c) level", got {line.strip()!r}')
    return parts[0][:-len('.png')], _shape(parts[1], where)


def expected_images(meta_info_path, key_scheme, scale=1):
    """(key, shape) of every frame a dataset meta_info file implies, with the
    shape divided by `scale` for an LR set."""
    for clip, num_frames, (h, w, c) in read_meta_info(meta_info_path):
        for key in key_scheme(clip, num_frames):
            yield key, (h // scale, w // scale, c)
