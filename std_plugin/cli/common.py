"""What every console script shares: its parser (`command_parser`), the flags
several scripts take, each defined once (`add_device`, `add_output`,
`add_overwrite`, `add_fresh`, `add_workers`, `add_option_file`; their types
are in arg_types.py),
and its one error path (`run_main`): bad input is one line
`std-<command>: error: <what is wrong and where>` on stderr and exit status 2,
never a traceback."""
import argparse
import os
import sys

from std_plugin.cli.arg_types import device_name, positive, size_wxh  # noqa: F401  (re-exported)
from std_plugin.core.errors import StdError, report_input_errors
from std_plugin.core.path_args import OPTIONS, OUT_FILE, OUT_FOLDER, add_path_argument, parse_checked

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C


class CommandParser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line, like every other error
    of a std-* command (argparse itself prints the usage block first)."""

    def error(self, message):
        command = self.prog.split(' ')[0]  # a subcommand's prog is 'std-table test'
        self.exit(EXIT_BAD_INPUT, f'{command}: error: {message} (see {self.prog} --help)\n')


def command_parser(prog, doc, **kwargs):
    """The parser of console script `prog`: the first paragraph of `doc` (its
    module docstring) as the description, the rest, examples included, as the
    epilog, both kept as written. prog is set so that `python -m` prints it too."""
    first, _, rest = doc.strip().partition('\n\n')
    return CommandParser(prog=prog, description=first, epilog=rest.strip() or None,
                         formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def add_device(parser, purpose='the networks run on'):
    return parser.add_argument('--device', type=device_name, default='auto', metavar='DEVICE',
                               help=f'device {purpose}: cpu, cuda or cuda:N (default: cuda when available, '
                                    'else cpu)')


def add_output(parser, kind='dir', *, help, required=False, flags=('--out',)):
    """--out, a folder (kind='dir') or a file (kind='file'), checked before the
    command starts (path_args: writable, not over an input)."""
    if kind not in ('dir', 'file'):
        raise ValueError(f"add_output: kind {kind!r}, expected 'dir' or 'file'")
    return add_path_argument(parser, *flags, kind=OUT_FOLDER if kind == 'dir' else OUT_FILE, required=required,
                             help=help)


OVERWRITE_HELP = 'replace output files that already exist (without it they are kept and the command stops)'
FRESH_HELP = 'retrain runs whose results already exist (without it finished runs are reused)'


def add_overwrite(parser):
    return parser.add_argument('--overwrite', action='store_true', help=OVERWRITE_HELP)


def add_fresh(parser):
    return parser.add_argument('--fresh', action='store_true', help=FRESH_HELP)


def default_workers():
    return os.cpu_count() or 1


def add_workers(parser, what='processes working in parallel'):
    return parser.add_argument('--workers', type=positive, default=default_workers(), metavar='N',
                               help=f'{what} (default: the number of CPU cores; 1: no pool)')


def add_option_file(parser, help, required=True):
    """-opt, a BasicSR YAML option file, read and checked before the command starts."""
    return add_path_argument(parser, '-opt', kind=OPTIONS, required=required, metavar='FILE', help=help)


class DeprecatedAlias(argparse.Action):
    """An old flag spelling that still works, hidden from --help, with a note on stderr."""

    def __init__(self, option_strings, dest, new_flag, **kwargs):
        self.new_flag = new_flag
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f'{parser.prog}: note: {option_string} is now {self.new_flag}', file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_deprecated_alias(parser, old_flag, action):
    """old_flag sets what `action` (the new flag's argparse action) sets; the
    value is then checked, and named in errors, as the new flag's."""
    return parser.add_argument(old_flag, dest=action.dest, action=DeprecatedAlias, new_flag=action.option_strings[0],
                               nargs=action.nargs, type=action.type, metavar=action.metavar)


class NotFound(StdError):
    """A file the command was told to read does not exist."""


def run_main(prog, build_parser, body, argv=None, interrupted=''):
    """argv parsed by build_parser() (every declared path checked), then
    body(args); returns body's result. Any StdError, a write the disk refused
    or a FileNotFoundError becomes one line `prog: error: ...` and exit 2; a
    Ctrl-C is one line `prog: interrupted` (then `interrupted`, what became of
    the outputs, when the command knows) and exit 130."""
    def parse(argv):
        return parse_checked(build_parser(), argv)

    def guarded(step, value):
        try:
            return step(value)
        except FileNotFoundError as err:
            where = err.filename or str(err)
            raise NotFound(f'{where} does not exist') from None

    try:
        args = report_input_errors(prog, guarded, parse, argv)
        return report_input_errors(prog, guarded, body, args)
    except KeyboardInterrupt:
        print(f'{prog}: interrupted' + (f': {interrupted}' if interrupted else ''), file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
