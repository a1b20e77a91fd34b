"""The fault matrix: every console script (setup.py's entry points) and
training, each path argument with its kind, and the classes of fault that
apply to that kind. A cell = (command, argument, fault); its answer must be:
exit status 2, one line naming the argument and the cause, no traceback, the
inputs' bytes unchanged. A new command or path argument joins by one entry
in COMMANDS; the faults come from its kinds, the answers from the library.

    python -m tests.fault_matrix      # prints the robustness table (Markdown)

Faults are made, not mocked away: missing, wrong kind, empty and text files
are real files; a truncated LMDB is a real cut copy; read-only and full file
systems are what os.statvfs reports for the output's folder (patched: tests
cannot mount), and a disk filling during the run is a write that raises
OSError(ENOSPC) as the kernel's does (patched open/torch.save/cv2 writers
under the output path only).
"""
import builtins
import contextlib
import errno
import hashlib
import importlib
import io
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import torch
import yaml

import std_plugin  # noqa: F401
from std_plugin.core import path_args
from std_plugin.core.path_args import (FILE, FILE_OR_FOLDER, FOLDER, LMDB, OPTIONS, OUT_FILE, OUT_FOLDER,
                                           WORKDIR)
from std_plugin.training.run_lock import experiment_lock_path, try_lock
from tests import tiny_data

META = 'meta_info'  # a training meta_info file (an input file of its own format)
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Command:
    """A console script: its main(argv), a valid argv builder, its path arguments.
    `runs_quickly`: the valid command finishes in about a second, so faults that
    strike during the run (the disk fills) are tried too."""
    name: str
    main: object
    argv: object  # world -> {flag: value} (path values) and extra args
    paths: dict  # flag -> kind
    extra: object = lambda w: []
    runs_quickly: bool = False
    options: object = None  # world -> option dict: the paths are keys of this option file (train, test)


def written_by_basicsr(flag):
    """The run's own output folder: BasicSR puts it at <root>/experiments|results/<name>."""
    return flag in ('path.experiments_root', 'path.results_root')


def cli_main(module, name='main', package='std_plugin.cli'):
    """A console script's entry function, imported when a cell runs it."""
    def main(argv):
        return getattr(importlib.import_module(f'{package}.{module}'), name)(argv)
    return main


def pipeline_main(module):
    def main(argv):
        from std_plugin.training import pipelines
        old = sys.argv
        sys.argv = [module, *argv]
        try:
            getattr(pipelines, module)(os.getcwd())
        finally:
            sys.argv = old
    return main


STUDENT_ARGS = ['--arch', 'FastDVDnetVSR', '--arch-opt', 'num_frame=7', '--arch-opt', 'scale=4',
                '--arch-opt', 'num_feat=8', '--arch-opt', 'branch_ch=4', '--arch-opt', 'interm_ch=4',
                '--arch-opt', 'widths=[8,8,8]']

COMMANDS = [
    Command('std-infer', cli_main('infer'),
            lambda w: {'--model': w.student, '--input': w.lr, '--out': w.out / 'frames' / 'sr',
                       '--video': w.out / 'video' / 'sr.mp4'},
            {'--model': FILE, '--input': FILE_OR_FOLDER, '--out': OUT_FOLDER, '--video': OUT_FILE},
            extra=lambda w: STUDENT_ARGS + ['--device', 'cpu'], runs_quickly=True),
    Command('std-export', cli_main('export'), lambda w: {'--model': w.student, '--out': w.out / 'x.onnx'},
            {'--model': FILE, '--out': OUT_FILE}, extra=lambda w: STUDENT_ARGS + ['--size', '8x8'],
            runs_quickly=True),
    Command('std-table folders', cli_main('eval_table'),
            lambda w: {'--gt': w.gt, '--sr': w.sr, '--out': w.out / 'table'},
            {'--gt': FOLDER, '--sr': FOLDER, '--out': OUT_FOLDER}, extra=lambda w: ['--workers', '1'],
            runs_quickly=True),
    Command('std-table test', cli_main('eval_table'), lambda w: {'-opt': w.test_opt, '--root': w.root,
                                                    '--out': w.out / 'table'},
            {'-opt': OPTIONS, '--root': WORKDIR, '--out': OUT_FOLDER}, extra=lambda w: ['--workers', '1']),
    Command('std-compare', cli_main('compare'), lambda w: {'-opt': w.std_opt, '--root': w.root, '--out': w.out / 'cmp'},
            {'-opt': OPTIONS, '--root': WORKDIR, '--out': OUT_FOLDER}),
    Command('std-teacher-check', cli_main('teacher_check'),
            lambda w: {'-opt': w.std_opt, '--root': w.root, '--out': w.out / 'check.md'},
            {'-opt': OPTIONS, '--root': WORKDIR, '--out': OUT_FILE}, extra=lambda w: ['--device', 'cpu']),
    Command('gpu_check', cli_main('gpu_check'),
            lambda w: {'--out': w.out / 'gpu' / 'report', '--work': w.out / 'work' / 'w', '--compare-opt': w.std_opt,
                       '--compare-root': w.root},
            {'--out': OUT_FOLDER, '--work': OUT_FOLDER, '--compare-opt': OPTIONS, '--compare-root': WORKDIR},
            extra=lambda w: ['--smoke']),
    Command('std-pretrain-lstm', cli_main('pretrain_lstm'), lambda w: {'-opt': w.std_opt, '--out': w.out / 'lstm.pth'},
            {'-opt': OPTIONS, '--out': OUT_FILE}, extra=lambda w: ['--iters', '1', '--device', 'cpu']),
    Command('std-demo', cli_main('demo.command', package='std_plugin'), lambda w: {'--root': w.out / 'demo'}, {'--root': OUT_FOLDER},
            extra=lambda w: ['--quick']),
    Command('std-prep-vimeo90k', cli_main('prep', 'vimeo90k'), lambda w: {'--input': w.septuplets, '--out': w.out / 'v'},
            {'--input': FOLDER, '--out': OUT_FOLDER}, extra=lambda w: ['--workers', '1'], runs_quickly=True),
    Command('std-prep-reds', cli_main('prep', 'reds'), lambda w: {'--input': w.vid4_gt, '--out': w.out / 'r'},
            {'--input': FOLDER, '--out': OUT_FOLDER}, extra=lambda w: ['--workers', '1']),
    Command('std-prep-vid4', cli_main('prep', 'vid4'), lambda w: {'--input': w.vid4_gt, '--out': w.out / 'd'},
            {'--input': FOLDER, '--out': OUT_FOLDER}, extra=lambda w: ['--workers', '1'], runs_quickly=True),
    Command('std-prep-video', cli_main('prep', 'video'), lambda w: {'--input': w.gt / 'clip', '--out': w.out / 'm'},
            {'--input': FILE_OR_FOLDER, '--out': OUT_FOLDER}, extra=lambda w: ['--layout', 'vid4', '--workers', '1'],
            runs_quickly=True),
    Command('std-prep-demo', cli_main('prep', 'demo'), lambda w: {'--out': w.out / 'demo_data'}, {'--out': OUT_FOLDER}),
    Command('std-profile', None, lambda w: {}, {}),
    Command('std-bench', None, lambda w: {}, {}),
    Command('std-test', pipeline_main('test'),
            lambda w: {'datasets.test.dataroot_gt': w.vid4['gt'], 'datasets.test.dataroot_lq': w.vid4['lq'],
                       'path.pretrain_network_g': w.student, 'path.results_root': w.root / 'results' / 'matrix'},
            {'-opt': OPTIONS, 'datasets.test.dataroot_gt': FOLDER, 'datasets.test.dataroot_lq': FOLDER,
             'path.pretrain_network_g': FILE, 'path.results_root': OUT_FOLDER},
            options=lambda w: w.test_options()),
    # Training: the paths are option-file keys; experiments_root is where the run writes.
    Command('std-train', pipeline_main('train'),
            lambda w: {'datasets.train.dataroot_gt': w.gt_lmdb, 'datasets.train.dataroot_lq': w.lq_lmdb,
                       'datasets.train.meta_info_file': w.meta, 'path.pretrain_network_g': w.student,
                       'path.experiments_root': w.root / 'experiments' / 'matrix'},
            {'-opt': OPTIONS, 'datasets.train.dataroot_gt': LMDB, 'datasets.train.dataroot_lq': LMDB,
             'datasets.train.meta_info_file': META, 'path.pretrain_network_g': FILE,
             'path.experiments_root': OUT_FOLDER},
            options=lambda w: w.train_options()),
]
SCRIPTS_WITHOUT_PATHS = ('std-profile', 'std-bench')


@dataclass
class Fault:
    name: str
    kinds: tuple
    cause: str  # a phrase the answer must hold
    make: object  # (world, flag, value) -> new value; may create files
    during_run: bool = False  # only for commands that run quickly
    patch: object = None  # (world, path) -> context manager active while the command runs
    group: str = ''  # the README table's column (default: the name)

    def __post_init__(self):
        self.group = self.group or self.name


def missing(w, flag, value):
    return w.scratch / 'absent' / Path(value).name


def a_folder(w, flag, value):
    path = w.scratch / 'a_folder'
    path.mkdir(exist_ok=True)
    (path / 'x.txt').write_text('x')
    return path


def a_file(w, flag, value):
    path = w.scratch / 'a_file.txt'
    path.write_text('a text file\n')
    return path


def empty_file(w, flag, value):
    path = w.scratch / 'empty.bin'
    path.write_bytes(b'')
    return path


def empty_folder(w, flag, value):
    path = w.scratch / 'empty_folder'
    path.mkdir(exist_ok=True)
    return path


def text_file(w, flag, value):
    path = w.scratch / 'notes.pth'
    path.write_text('# not binary\nparams: none\n')
    return path


def binary_file(w, flag, value):
    path = w.scratch / 'binary.yml'
    path.write_bytes(b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(range(256)))
    return path


def yaml_list(w, flag, value):
    path = w.scratch / 'list.yml'
    path.write_text('- name\n- model_type\n')
    return path


def truncated_lmdb(fraction):
    def make(w, flag, value):
        path = w.scratch / f'cut{int(fraction * 100)}.lmdb'
        shutil.copytree(value, path)
        data = path / 'data.mdb'
        data.write_bytes(data.read_bytes()[:int(data.stat().st_size * fraction)])
        return path
    return make


def meta_edit(edit):
    def make(w, flag, value):
        path = w.scratch / 'meta_info.txt'
        path.write_text(edit(Path(value).read_text()))
        return path
    return make


def the_input(w, flag, value):
    """The first input of the command (set by the runner as w.first_input)."""
    return w.first_input


def inside_input(w, flag, value):
    return Path(w.first_folder_input) / Path(value).name


def containing_input(w, flag, value):
    return Path(w.first_input).parent


@contextlib.contextmanager
def statvfs_reports(under, flag=0, free_blocks=None):
    """os.statvfs of paths under `under` reports a read-only flag or no free blocks."""
    real = os.statvfs

    def fake(path):
        st = real(path)
        if not path_args.is_within(os.fspath(path), under):
            return st
        values = list(st)
        if free_blocks is not None:
            values[3] = values[4] = free_blocks  # f_bfree, f_bavail
        values[8] |= flag  # f_flag
        return os.statvfs_result(values)
    os.statvfs = fake
    try:
        yield
    finally:
        os.statvfs = real


def region(path):
    """Where a fault on an output strikes: the folder the output goes into (the
    runner gives each output of a command a folder of its own)."""
    return os.path.dirname(os.path.abspath(path))


def read_only_fs(w, path):
    return statvfs_reports(region(path), flag=os.ST_RDONLY)


def full_fs(w, path):
    return statvfs_reports(region(path), free_blocks=0)


class FullFile(io.RawIOBase):
    """A file on a disk that fills: every write fails as the kernel's does."""

    def writable(self):
        return True

    def write(self, b):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class SilentVideoWriter:
    """cv2.VideoWriter on a full disk: opens, takes frames, writes nothing playable."""

    def __init__(self, path, *args):
        Path(path).write_bytes(b'')  # only the empty container file reaches the disk

    def isOpened(self):
        return True

    def write(self, img):
        pass

    def release(self):
        pass


@contextlib.contextmanager
def disk_fills(w, path):
    """Writes where the output goes fail with ENOSPC; reads and other writes work."""
    root = region(path)
    real_open, real_save, real_writer = builtins.open, torch.save, cv2.VideoWriter

    def under(target):
        return isinstance(target, (str, os.PathLike)) and path_args.is_within(os.fspath(target), root)

    def fake_open(file, mode='r', *args, **kwargs):
        if under(file) and any(c in mode for c in 'wax+'):
            real_open(file, mode, *args, **kwargs).close()  # the name is created, the data does not fit
            return io.BufferedWriter(FullFile()) if 'b' in mode else io.TextIOWrapper(io.BufferedWriter(FullFile()))
        return real_open(file, mode, *args, **kwargs)

    def fake_save(obj, f, *args, **kwargs):
        if under(f):  # torch's zip writer on a full disk: the errno is lost
            raise RuntimeError('[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing '
                               'file data/0: file write failed')
        return real_save(obj, f, *args, **kwargs)

    def fake_writer(file, *args):
        return SilentVideoWriter(file) if under(file) else real_writer(file, *args)
    builtins.open = io.open = fake_open
    torch.save, cv2.VideoWriter = fake_save, fake_writer
    try:
        yield
    finally:
        builtins.open = io.open = real_open
        torch.save, cv2.VideoWriter = real_save, real_writer


def other_run(w, path):
    """Another process (this one, through another open file) holds the experiment's lock."""
    @contextlib.contextmanager
    def held():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = try_lock(experiment_lock_path(path))
        try:
            yield
        finally:
            handle.close()
    return held()


def unchanged(w, flag, value):
    return value


INPUTS = (FILE, FOLDER, FILE_OR_FOLDER, OPTIONS, LMDB, META, WORKDIR)
KIND, EMPTY, CONTENT, TRUNCATED = 'wrong kind', 'empty', 'wrong content', 'LMDB incomplete or truncated'
META_BAD, OVER = 'malformed meta_info', 'output over an input'
BLANK_LINE = meta_edit(lambda t: t.replace('\n', '\n\n', 1))
WRONG_SHAPE = meta_edit(lambda t: t.replace('(32,32,3)', '(7,64,64)'))
UNKNOWN_CLIP = meta_edit(lambda t: t + '00042/0001 7 (32,32,3)\n')
TAB = meta_edit(lambda t: t.replace(' 7 ', '\t7 ', 1))
FAULTS = [
    Fault('missing', INPUTS, 'does not exist', missing),
    Fault('folder for a file', (FILE, OPTIONS, META), 'expected a file', a_folder, group=KIND),
    Fault('file for a folder', (FOLDER, LMDB, WORKDIR), 'expected a folder', a_file, group=KIND),
    Fault('empty file', (FILE, FILE_OR_FOLDER, OPTIONS), 'empty', empty_file, group=EMPTY),
    Fault('empty folder', (FOLDER, FILE_OR_FOLDER), 'empty folder', empty_folder, group=EMPTY),
    Fault('text for binary', (FILE, FILE_OR_FOLDER), ' not a ', text_file, group=CONTENT),
    Fault('binary for text', (OPTIONS, META), 'not a text file', binary_file, group=CONTENT),
    Fault('YAML not a mapping', (OPTIONS,), 'expected', yaml_list, group=CONTENT),
    Fault('LMDB without data.mdb', (LMDB,), 'no data.mdb', a_folder, group=TRUNCATED),
    Fault('LMDB truncated to 10%', (LMDB,), 'truncated', truncated_lmdb(0.1), group=TRUNCATED),
    Fault('LMDB truncated to 50%', (LMDB,), 'truncated', truncated_lmdb(0.5), group=TRUNCATED),
    Fault('LMDB truncated to 90%', (LMDB,), 'truncated', truncated_lmdb(0.9), group=TRUNCATED),
    Fault('meta_info blank line', (META,), 'is blank', BLANK_LINE, group=META_BAD),
    Fault('meta_info wrong shape', (META,), 'the meta_info file is wrong', WRONG_SHAPE, group=META_BAD),
    Fault('meta_info unknown clip', (META,), 'names clip', UNKNOWN_CLIP, group=META_BAD),
    Fault('meta_info malformed line', (META,), 'expected "clip num_frames (h,w,c)"', TAB, group=META_BAD),
    Fault('meta_info empty', (META,), 'empty', meta_edit(lambda t: ''), group=META_BAD),
    Fault('file for a folder', (OUT_FOLDER,), 'expected a folder', a_file, group=KIND),
    Fault('folder for a file', (OUT_FILE,), 'expected a file name', a_folder, group=KIND),
    Fault('read-only file system', (OUT_FILE, OUT_FOLDER), 'read-only', unchanged, patch=read_only_fs),
    Fault('full file system', (OUT_FILE, OUT_FOLDER), 'no space left', unchanged, patch=full_fs),
    Fault('disk fills during the run', (OUT_FILE, OUT_FOLDER), 'no space left', unchanged, during_run=True,
          patch=disk_fills),
    Fault('is an input', (OUT_FILE, OUT_FOLDER), 'is, contains or lies inside', the_input, group=OVER),
    Fault('inside an input folder', (OUT_FILE, OUT_FOLDER), 'is, contains or lies inside', inside_input, group=OVER),
    Fault('contains an input', (OUT_FOLDER,), 'is, contains or lies inside', containing_input, group=OVER),
]
# Training only: another process trains the same experiment.
CONCURRENT = Fault('another run holds the experiment', (), 'another process (PID', unchanged, patch=other_run)


@dataclass
class Cell:
    command: Command
    flag: str
    fault: Fault

    @property
    def id(self):
        return f'{self.command.name} {self.flag} {self.fault.name}'


def protected_inputs(command, world):
    values = command.argv(world)
    return [(f, values[f]) for f, k in command.paths.items()
            if k not in (OUT_FILE, OUT_FOLDER, WORKDIR) and f in values]


def applies(command, flag, fault):
    kind = command.paths[flag]
    if kind not in fault.kinds:
        return False
    if fault.during_run and not command.runs_quickly:
        return False
    protected = [k for k in command.paths.values() if k not in (OUT_FILE, OUT_FOLDER, WORKDIR)]
    if fault.make in (the_input, containing_input) and not protected:
        return False
    if fault.make is inside_input and not set(protected) & {FOLDER, LMDB, FILE_OR_FOLDER}:
        return False  # no input folder to write into (a file-or-folder input is a folder in the world)
    if written_by_basicsr(flag) and fault.make in (the_input, inside_input, containing_input):
        return False  # BasicSR puts it at <root>/experiments|results/<name>, never at an input
    return True


def cells():
    out = []
    for command in COMMANDS:
        if command.main is None:
            continue
        for flag in command.paths:
            out += [Cell(command, flag, f) for f in FAULTS if applies(command, flag, f)]
        if 'path.experiments_root' in command.paths:
            out.append(Cell(command, 'path.experiments_root', CONCURRENT))
    return out


# ---------------------------------------------------------------- the world: tiny valid inputs of every command

class World:
    """Valid inputs of every command under root (built once)."""

    def __init__(self, root):
        self.root = Path(root)
        self.out = self.root / 'out'
        self.scratch = self.root / 'scratch'
        data = self.root / 'data'
        torch.manual_seed(0)
        from basicsr.archs import build_network
        net = build_network(dict(type='FastDVDnetVSR', num_frame=7, scale=4, num_feat=8, branch_ch=4, interm_ch=4,
                                 widths=[8, 8, 8]))
        self.student = data / 'student.pth'
        self.student.parent.mkdir(parents=True)
        torch.save({'params': net.state_dict()}, self.student)
        frames = tiny_data.moving_frames(3, 32, 32)
        self.lr = data / 'lr'
        for i, img in enumerate(frames):
            tiny_data.write(str(self.lr / f'{i:08d}.png'), tiny_data.downscale(img, 4))
        self.gt, self.sr = data / 'gt', data / 'sr'
        for i, img in enumerate(frames):
            tiny_data.write(str(self.gt / 'clip' / f'{i:08d}.png'), img)
            tiny_data.write(str(self.sr / 'clip' / f'{i:08d}.png'), 255 - img)
        self.vid4_gt = self.gt
        vimeo = tiny_data.make_vimeo(str(data / 'vimeo'), num_clips=1)
        self.gt_lmdb, self.lq_lmdb, self.meta = Path(vimeo['gt_lmdb']), Path(vimeo['lq_lmdb']), Path(vimeo['meta'])
        self.septuplets = data / 'vimeo_septuplet'
        shutil.copytree(vimeo['gt'], self.septuplets / 'sequences')
        (self.septuplets / 'sep_trainlist.txt').write_text('00001/0001\n')
        self.vid4 = tiny_data.make_vid4(str(data / 'vid4'), clips=(('clip', 3),))
        self.std_opt = self.write_options(data / 'std.yml', self.train_options())
        self.test_opt = self.write_options(data / 'test.yml', self.test_options())

    def train_options(self):
        from tests.conftest import base_options
        data = {'vimeo': dict(gt_lmdb=str(self.gt_lmdb), lq_lmdb=str(self.lq_lmdb), meta=str(self.meta)),
                'vid4': self.vid4}
        opt = base_options('matrix', data, iters=2)
        opt['path']['pretrain_network_g'] = str(self.student)
        opt['path']['strict_load_g'] = True
        opt['logger']['save_checkpoint_freq'] = 1
        return opt

    def test_options(self):
        opt = self.train_options()
        return dict(name='matrix_test', model_type='STDModel', scale=4, num_gpu=0, manual_seed=0,
                    datasets=dict(test=opt['datasets']['val']), network_g=opt['network_g'],
                    path=dict(pretrain_network_g=str(self.student), strict_load_g=True),
                    val=dict(save_img=False, metrics=opt['val']['metrics']))

    @staticmethod
    def write_options(path, opt):
        path.write_text(yaml.safe_dump(opt, sort_keys=False))
        return path


def digest(paths):
    """sha1 of every file under the given paths (inputs must never change)."""
    h = hashlib.sha1()
    for path in paths:
        for f in sorted(Path(path).rglob('*')) if Path(path).is_dir() else [Path(path)]:
            if f.is_file() and f.name != 'lock.mdb':
                h.update(str(f).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def set_key(opt, dotted, value):
    keys = dotted.split('.')
    for k in keys[:-1]:
        opt = opt[k]
    opt[keys[-1]] = value


def command_argv(cell, world, values):
    """The argv of the command with `values` ({flag: path}) for its path arguments."""
    command = cell.command
    if not command.options:
        argv = command.extra(world)
        if command.name.startswith('std-table'):
            argv = [command.name.split()[1]] + argv
        for flag, value in values.items():
            argv += [flag, str(value)]
        return argv
    opt = command.options(world)
    opt['name'] = 'matrix'
    for flag, value in values.items():
        if flag != '-opt' and not written_by_basicsr(flag):
            set_key(opt, flag, str(value))
    option_file = values.get('-opt') or World.write_options(world.scratch / 'train.yml', opt)
    return ['-opt', str(option_file)]


def run_cell(cell, world, capsys_read):
    """(exit status, stderr lines, inputs unchanged) of one cell; world.root is the working folder."""
    command, fault = cell.command, cell.fault
    shutil.rmtree(world.out, ignore_errors=True)
    shutil.rmtree(world.scratch, ignore_errors=True)
    shutil.rmtree(world.root / 'experiments', ignore_errors=True)
    shutil.rmtree(world.root / 'results', ignore_errors=True)
    world.out.mkdir()
    world.scratch.mkdir()
    values = command.argv(world)
    inputs = protected_inputs(command, world)
    world.first_input = inputs[0][1] if inputs else None
    world.first_folder_input = next((v for _, v in inputs if os.path.isdir(v)), None)
    for flag, kind in command.paths.items():
        if kind in (OUT_FILE, OUT_FOLDER) and flag in values:
            Path(region(values[flag])).mkdir(parents=True, exist_ok=True)
    target = values.get(cell.flag)
    if written_by_basicsr(cell.flag):
        if fault.make is a_file:  # a file where the run's folder goes
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text('x')
    else:
        values[cell.flag] = fault.make(world, cell.flag, target if target is not None else world.std_opt)
    cell.value = values.get(cell.flag, target)
    before = digest([v for _, v in inputs])
    patch = fault.patch(world, values.get(cell.flag, target)) if fault.patch else contextlib.nullcontext()
    cwd = os.getcwd()
    os.chdir(world.root)
    try:
        with patch:
            try:
                status = command.main(command_argv(cell, world, values))
            except SystemExit as stop:
                status = stop.code
    finally:
        os.chdir(cwd)
    err = [line for line in capsys_read().splitlines() if line.strip() and not is_progress(line)]
    return status, err, digest([v for _, v in inputs]) == before


def is_progress(line):
    return '%|' in line or line.startswith('\r')


def answer(cell, status, err):
    """'ok' when the cell answers as the goal says, else what is wrong."""
    if status != 2:
        return f'exit {status}'
    if any('Traceback' in line for line in err):
        return 'traceback'
    errors = [line for line in err if 'error' in line.lower()]
    if len(errors) != 1 or errors[-1] != err[-1]:
        return f'{len(errors)} error lines'
    if cell.flag not in err[-1] and str(cell.value) not in err[-1]:
        return 'neither argument nor path named'
    if cell.fault.cause not in err[-1]:
        return 'cause not said'
    return 'ok'


def markdown_table(results):
    """results: {cell id: (cell, answer, line)} -> command x fault class table. A
    table cell says how many matrix cells answered with exit 2 and one line out of
    how many were tried; '-' where the class does not apply to the command's paths."""
    groups = list(dict.fromkeys(f.group for f in FAULTS + [CONCURRENT]))
    names = list(dict.fromkeys(c.command.name for c, _, _ in results.values()))
    lines = ['| command | ' + ' | '.join(groups) + ' |', '|---|' + '---|' * len(groups)]
    for name in names:
        row = []
        for group in groups:
            got = [a for c, a, _ in results.values() if c.command.name == name and c.fault.group == group]
            ok = sum(a == 'ok' for a in got)
            row.append('-' if not got else (f'{ok}/{len(got)}' + (' ✓' if ok == len(got) else ' ✗')))
        lines.append(f'| {name} | ' + ' | '.join(row) + ' |')
    for name in SCRIPTS_WITHOUT_PATHS:
        lines.append(f'| {name} | ' + ' | '.join(['no path argument'] + ['-'] * (len(groups) - 1)) + ' |')
    total, ok = len(results), sum(a == 'ok' for _, a, _ in results.values())
    lines.append(f'\n{total} cells, {ok} answered with exit status 2, one line naming the argument or file and the '
                 'cause, no traceback, inputs unchanged.')
    return '\n'.join(lines)


def main():
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        world = World(tmp)
        results = {}
        for cell in cells():
            buf = io.StringIO()
            with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(io.StringIO()):
                status, err, same = run_cell(cell, world, buf.getvalue)
            got = answer(cell, status, err) if same else 'input changed'
            results[cell.id] = (cell, got, err[-1] if err else '')
        print(markdown_table(results))
        for cell, got, line in results.values():
            if got != 'ok':
                print(f'{cell.id}: {got}: {line}', file=sys.stderr)


if __name__ == '__main__':
    main()
