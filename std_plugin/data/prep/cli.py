"""What every dataset script's work shares: the checks of its common options
(the parsers are in std_plugin/cli/prep.py), --verify, and the end-of-run report."""
from pathlib import Path

from std_plugin.data.prep.degradations import BD_SCALES
from std_plugin.data.prep.verify import verify_outputs
from std_plugin.core.errors import DatasetPrepError


def check_args(args):
    if args.scale < 2:
        raise DatasetPrepError(f'--scale {args.scale}: must be at least 2')
    if 'BD' in args.degradation and args.scale not in BD_SCALES:
        raise DatasetPrepError(f'--scale {args.scale}: BD supports scales {BD_SCALES}')
    args.degradation = tuple(dict.fromkeys(args.degradation))  # drop repeats, keep order


def require_input(args, what):
    """--input is optional only for --verify, which reads the outputs alone."""
    if args.input is None:
        raise DatasetPrepError(f'--input is required: {what}')
    return Path(args.input)


def verify_command(names, degradations, key_scheme):
    for path, count in verify_outputs(names, degradations, key_scheme).items():
        print(f'ok: {path} ({count} images decoded, keys and shapes match the meta_info files)')


def print_done(report, outputs, options):
    """The end of a run: the skip summary, what was written, the option lines."""
    print(report.summary())
    print('outputs:')
    for path in outputs:
        print(f'  {path}')
    print(options)
