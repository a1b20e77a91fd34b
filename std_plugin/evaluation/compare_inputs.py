"""What a std-compare run reads, by content, so that a finished run is reused
only when it would be trained again on the same bytes: the same option text
can name a teacher checkpoint, a warm start or a dataset that was replaced
since (a retrained teacher under the same path, a rebuilt LMDB).

The files: every `path.pretrain_network_*` (teacher, warm start or the seed's
initial weights, ConvLSTM, PISR's), `network_t` when it names a teacher's
option file (and that file's checkpoint, when this run's path does not set
one), and every dataset's `dataroot_*` and `meta_info*` (files or folders).

    inputs = RunInputs(root)
    digests = inputs.of(run_opt)      # {'path.pretrain_network_t': 'sha256…', ...}
    changed(old, digests)             # the keys whose content differs
"""
import hashlib
import json
import os
import os.path as osp

import yaml

from std_plugin.core.atomic_write import atomic_path

FULL_LIMIT = 64 << 20  # files up to this size are hashed whole
EDGE = 1 << 20  # bytes hashed at each end of a larger file
FOLDER_LIMIT = 1 << 30  # folders holding more than this are keyed on sizes and times per file
SKIPPED = ('lock.mdb',)  # LMDB's reader table: rewritten by every reader, not content
MISSING = 'missing'


def input_paths(run_opt):
    """{option key: path} of every file or folder the run reads."""
    out = {f'path.{k}': v for k, v in (run_opt.get('path') or {}).items()
           if k.startswith('pretrain_network_') and isinstance(v, str) and v}
    teacher = run_opt.get('network_t')
    if isinstance(teacher, str):
        out['network_t'] = teacher
        if 'path.pretrain_network_t' not in out:
            their = teacher_checkpoint(teacher)
            if their:
                out['network_t: path.pretrain_network_g'] = their
    for phase, dataset in (run_opt.get('datasets') or {}).items():
        out.update({f'datasets.{phase}.{k}': v for k, v in (dataset or {}).items()
                    if k.startswith(('dataroot', 'meta_info')) and isinstance(v, str) and v})
    return out


def teacher_checkpoint(option_file):
    """The path.pretrain_network_g of a teacher's option file (teacher_options reads it the same way)."""
    try:
        with open(option_file) as f:
            other = yaml.safe_load(f)
    except (OSError, yaml.YAMLError):
        return None  # the run itself reports an unreadable teacher file
    return ((other or {}).get('path') or {}).get('pretrain_network_g') if isinstance(other, dict) else None


def file_digest(path, whole=True):
    """sha256 of the file's bytes, or, for files over FULL_LIMIT, of its size,
    modification time and first and last MiB: a Vimeo-90K LMDB's data.mdb is
    tens of GB, and reading it on every std-compare would cost minutes. A
    rebuilt LMDB changes its size, its time or its first pages (the meta
    page and B-tree root); a file copied back with the same size and time
    and the same ends is taken as the same. whole=False keys on size and
    time alone (files of a large folder)."""
    st = os.stat(path)
    if not whole:
        return f'{st.st_size}:{st.st_mtime_ns}'
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        if st.st_size <= FULL_LIMIT:
            for block in iter(lambda: f.read(EDGE), b''):
                h.update(block)
        else:
            h.update(f'{st.st_size}:{st.st_mtime_ns}'.encode())
            h.update(f.read(EDGE))
            f.seek(-EDGE, os.SEEK_END)
            h.update(f.read(EDGE))
    return h.hexdigest()


def folder_files(folder):
    """Relative paths of the files under folder, sorted, LMDB lock files skipped."""
    out = []
    for base, dirs, files in os.walk(folder):
        dirs.sort()
        out += [osp.relpath(osp.join(base, name), folder) for name in files if name not in SKIPPED]
    return sorted(out)


def folder_digest(folder):
    """sha256 over the folder's file names and their digests. A folder of
    images larger than FOLDER_LIMIT (Vimeo-90K as PNGs: 100+ GB) is keyed on
    each file's size and time instead of its bytes, except big files (an
    LMDB's data.mdb), which keep their ends hashed."""
    files = folder_files(folder)
    whole = sum(os.stat(osp.join(folder, f)).st_size for f in files) <= FOLDER_LIMIT
    h = hashlib.sha256()
    for name in files:
        path = osp.join(folder, name)
        big = os.stat(path).st_size > FULL_LIMIT
        h.update(f'{name}\0{file_digest(path, whole or big)}\n'.encode())
    return h.hexdigest()


def content_digest(path):
    if osp.isdir(path):
        return folder_digest(path)
    return file_digest(path) if osp.isfile(path) else MISSING


class RunInputs:
    """Digests of the inputs of runs under one root; each path is read once
    per std-compare (the arms and seeds of a comparison share their data)."""

    def __init__(self, root):
        self.root = root
        self.cache = {}

    def digest(self, path):
        full = osp.normpath(osp.join(self.root, path))  # relative paths are read from the root, as train.py does
        if full not in self.cache:
            self.cache[full] = content_digest(full)
        return self.cache[full]

    def of(self, run_opt):
        """{option key: {'path': path, 'sha256': digest}} of a run."""
        return {key: {'path': path, 'sha256': self.digest(path)} for key, path in input_paths(run_opt).items()}


def read_inputs(path):
    """The inputs recorded when a run was trained, or None (none recorded)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_inputs(path, inputs):
    with atomic_path(path) as tmp, open(tmp, 'w') as f:
        json.dump(inputs, f, indent=1, sort_keys=True)


def changed(recorded, current):
    """The option keys whose path or content differ (all of them when nothing was recorded)."""
    if recorded is None:
        return sorted(current)
    return sorted(k for k in set(recorded) | set(current) if recorded.get(k) != current.get(k))
