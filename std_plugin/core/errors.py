"""The errors std_plugin answers bad input with, for every layer (options,
data, checkpoints, the std-* tools, the dataset scripts). Each carries one
line that names the option key or file and what was expected; the
command-line entry points print that line and exit with status 2 instead of
a traceback."""
import faulthandler
import sys

from std_plugin.core.disk_errors import disk_error_line, is_disk_error


class StdError(ValueError):
    """Base of every user-facing std_plugin error."""


class OptionError(StdError):
    """An option file value is wrong (unknown type, inconsistent networks...)."""


class DataError(StdError):
    """A dataset file, LMDB key or image is missing or unreadable."""


class CheckpointError(StdError):
    """A checkpoint is missing, unsafe, not a PyTorch file, or does not fit."""


class NonFiniteOutput(StdError):
    """A network produced NaN/Inf: a result that must not be written as if valid."""


class NonFiniteLoss(StdError, FloatingPointError):
    """Training stopped before a NaN/Inf loss reached the weights."""


class InputError(StdError):
    """A std-* tool's input is missing or unusable."""


class PathError(InputError, DataError):
    """A path (a command's argument or an option file's) is missing, of the wrong
    kind, empty, unwritable, or an output over an input (path_args)."""


class DatasetPrepError(StdError):
    """A bad input file, folder or output path of a dataset script. The message
    names the file and says what is wrong; the scripts print it as one line
    and exit with status 2."""


def one_line(err):
    """The message to print: the last line of a DataLoader worker's wrapped text."""
    text = str(err).strip()
    if 'Original Traceback' in text:
        text = text.splitlines()[-1].split(': ', 1)[-1]
    return text


def install_faulthandler():
    """A death by signal (SIGSEGV in a native op, SIGBUS on a mapped file) still
    prints where it happened, instead of an exit status alone."""
    if faulthandler.is_enabled():
        return
    try:
        faulthandler.enable(all_threads=True)
    except (AttributeError, ValueError, OSError):  # sys.stderr replaced by an object without a file descriptor
        if sys.__stderr__ is not None:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)


def output_paths(args):
    """[(flag, path)] of the output arguments a command declared (path_args)."""
    return [(flag, path) for flag, kind, path in getattr(args, 'std_paths', ()) if kind.startswith('output')]


def report_input_errors(prog, body, *args):
    """Run body(*args); a user-input error, or a write the disk refused, becomes
    `prog: error: ...` and exit 2."""
    install_faulthandler()
    try:
        return body(*args)
    except StdError as err:
        print(f'{prog}: error: {one_line(err)}', file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as err:
        if not is_disk_error(err):
            raise
        outputs = [p for a in args for p in output_paths(a)]
        print(f'{prog}: error: {disk_error_line(err, outputs)}', file=sys.stderr)
        raise SystemExit(2) from None


def run_command(prog, parse, body, argv=None):
    """args = parse(argv), then body(args), each under report_input_errors: a
    bad path argument found while parsing is answered like any other."""
    args = report_input_errors(prog, parse, argv)
    return report_input_errors(prog, body, args)
