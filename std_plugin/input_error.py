"""Bad command-line input (missing file, wrong checkpoint keys, empty folder,
...) and how the std-* tools report it: one line naming the problem, exit
code 2 (argparse's code for usage errors), no traceback."""
import sys

from std_plugin.errors import StdError, one_line


class InputError(StdError):
    """A std-* tool's input is missing or unusable."""


def report_input_errors(prog, body, *args):
    """Run body(*args); a user-input error becomes `prog: error: ...` and exit 2."""
    try:
        return body(*args)
    except StdError as err:
        print(f'{prog}: error: {one_line(err)}', file=sys.stderr)
        raise SystemExit(2) from None
