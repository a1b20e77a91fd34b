"""The errors std_plugin answers bad input with. Each carries one line that
names the option key or file and what was expected; the command-line entry
points print that line and exit with status 2 instead of a traceback."""


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


def one_line(err):
    """The message to print: the last line of a DataLoader worker's wrapped text."""
    text = str(err).strip()
    if 'Original Traceback' in text:
        text = text.splitlines()[-1].split(': ', 1)[-1]
    return text
