"""The one exception the dataset scripts raise for bad input or output."""


class DatasetPrepError(ValueError):
    """A bad input file, folder or output path. The message names the file and
    says what is wrong; the scripts print it as one line and exit with status 2."""
