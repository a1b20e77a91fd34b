"""Path arguments of every std-* command, checked by kind in one place.

A command declares each path argument with its kind (`add_path_argument`);
`parse_checked` parses argv and checks them all before the command starts:
inputs exist, have the kind expected and are not empty; outputs are of the
kind expected, their folder is writable, and no output is, contains or lies
inside an input (whatever --overwrite says). A new command or path argument
gets the same answers by being declared with its kind, without new code.
Each failure is one InputError naming the flag, the path and what was expected.
"""
import argparse
import os

import yaml

from std_plugin.core.disk_errors import is_within
from std_plugin.core.errors import PathError
from std_plugin.core.lmdb_integrity import check_lmdb
from std_plugin.core.text_files import read_text

# Input kinds: what a command reads. `workdir` is a folder the command reads and
# writes under (std-compare's --root): never an output, never an input to protect.
FILE, FOLDER, FILE_OR_FOLDER, OPTIONS, LMDB, WORKDIR = 'file', 'folder', 'file or folder', 'options', 'lmdb', 'workdir'
# Output kinds: what a command writes.
OUT_FILE, OUT_FOLDER = 'output file', 'output folder'
OUTPUTS = (OUT_FILE, OUT_FOLDER)
# Less free space than this where an output goes is a full disk: refused before any work.
MIN_FREE_BYTES = 64 << 10
KIND_ATTR = 'std_path_kind'


def add_path_argument(parser, *flags, kind, **kwargs):
    """parser.add_argument(*flags, **kwargs), remembered as a path of `kind`."""
    action = parser.add_argument(*flags, **kwargs)
    setattr(action, KIND_ATTR, kind)
    return action


def declared_paths(parser, args):
    """[(flag, kind, value)] of every path argument given (subcommands included)."""
    out = []
    for action in parser._actions:  # argparse keeps no public list of a parser's actions
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None)
            if chosen in action.choices:
                out += declared_paths(action.choices[chosen], args)
        elif hasattr(action, KIND_ATTR):
            value = getattr(args, action.dest, None)
            values = value if isinstance(value, list) else [value]
            flag = max(action.option_strings, key=len) if action.option_strings else action.dest
            out += [(flag, getattr(action, KIND_ATTR), path_of(v)) for v in values if v is not None]
    return out


def path_of(value):
    """The path in a value; `NAME=PATH` (std-table's --sr) names a path."""
    name, sep, path = str(value).partition('=')
    return path if sep and not os.path.exists(value) else str(value)


def check_input(flag, kind, path):
    if not os.path.exists(path):
        raise PathError(f'{flag}: {path} does not exist')
    if kind in (FOLDER, LMDB, WORKDIR) and not os.path.isdir(path):
        raise PathError(f'{flag}: {path} is a file; expected a folder')
    if kind in (FILE, OPTIONS) and os.path.isdir(path):
        raise PathError(f'{flag}: {path} is a folder; expected a file')
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise PathError(f'{flag}: {path} is empty (0 bytes)')
    if kind in (FOLDER, FILE_OR_FOLDER) and os.path.isdir(path) and not os.listdir(path):
        raise PathError(f'{flag}: {path} is an empty folder')
    if kind == OPTIONS:
        read_option_file(flag, path)
    if kind == LMDB:
        check_lmdb(path, flag)


def read_option_file(flag, path):
    """The option file as a dict; binary, invalid YAML or not a mapping is one line."""
    text = read_text(path, flag, 'a YAML option file', PathError)
    try:
        opt = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PathError(f'{flag}: {path} is not valid YAML: {str(err).splitlines()[0]}') from None
    if not isinstance(opt, dict):
        raise PathError(f'{flag}: {path} holds a YAML {type(opt).__name__}; expected an option file of keys')
    return opt


def existing_ancestor(path):
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def check_output(flag, kind, path):
    if kind == OUT_FILE and os.path.isdir(path):
        raise PathError(f'{flag}: {path} is a folder; expected a file name')
    if kind == OUT_FOLDER and os.path.exists(path) and not os.path.isdir(path):
        raise PathError(f'{flag}: {path} is a file; expected a folder')
    base = existing_ancestor(path if kind == OUT_FOLDER else os.path.dirname(os.path.abspath(path)))
    if not os.path.isdir(base):
        raise PathError(f'{flag}: {path} lies under the file {base}; expected a path under a folder')
    check_filesystem(flag, path, base)
    if not os.access(base, os.W_OK):
        raise PathError(f'{flag}: {path} cannot be written ({base} is not writable); expected a writable place')


def check_filesystem(flag, path, base):
    """The file system holding base is writable and not full (before hours of work, not after)."""
    if not hasattr(os, 'statvfs'):
        return
    fs = os.statvfs(base)
    if fs.f_flag & os.ST_RDONLY:
        raise PathError(f'{flag}: {path} is on a read-only file system ({base}); expected a writable place')
    free = fs.f_bavail * fs.f_frsize
    if free < MIN_FREE_BYTES:
        raise PathError(f'{flag}: no space left on {path} ({base} has {free} bytes free); free some space first')


def check_not_over_input(out, inputs):
    """No output is, contains or lies inside an input: --overwrite would destroy
    it, and a folder of results mixed with the inputs is read as inputs later."""
    flag, kind, path = out
    for in_flag, in_kind, in_path in inputs:
        if is_within(path, in_path) or is_within(in_path, path):
            what = 'folder' if os.path.isdir(in_path) else 'file'
            wanted = 'folder' if kind == OUT_FOLDER else 'file'
            raise PathError(f'{flag}: {path} is, contains or lies inside the {in_flag} {what} {in_path}; '
                             f'expected a separate {wanted} (the input would be overwritten or mixed with results)')


def check_paths(paths):
    inputs = [p for p in paths if p[1] not in OUTPUTS]
    for flag, kind, path in inputs:
        check_input(flag, kind, path)
    protected = [p for p in inputs if p[1] != WORKDIR]
    outputs = [p for p in paths if p[1] in OUTPUTS]
    for out in outputs:
        check_not_over_input(out, protected)  # first: the worst mistake is said even when the kind is wrong too
        check_output(*out)


def parse_checked(parser, argv=None):
    """parser.parse_args(argv), then every declared path checked (InputError);
    the checked paths are kept as args.std_paths for naming disk errors."""
    args = parser.parse_args(argv)
    args.std_paths = declared_paths(parser, args)
    check_paths(args.std_paths)
    return args
