"""What every dataset script shares: common options and the error contract
(a DatasetPrepError prints as one line and exits with status 2)."""
import argparse
import sys
from pathlib import Path

import cv2

from std_plugin.data.prep.degradations import BD_SCALES, DEGRADATIONS
from std_plugin.data.prep.parallel import default_workers
from std_plugin.data.prep.verify import verify_outputs
from std_plugin.training.disk_errors import disk_error_line, is_disk_error
from std_plugin.training.errors import DatasetPrepError, StdError, install_faulthandler, output_paths
from std_plugin.training.path_args import OUT_FOLDER, add_path_argument, parse_checked

EXIT_BAD_INPUT = 2


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, and the script's docstring (with its examples) kept as written."""


def make_parser(description, *, lmdb=True):
    parser = argparse.ArgumentParser(description=description, formatter_class=_HelpFormatter)
    add_path_argument(parser, '--out', kind=OUT_FOLDER, required=True, help='output folder (created if missing)')
    parser.add_argument('--degradation', nargs='+', choices=sorted(DEGRADATIONS), default=['BI'],
                        help='BI: MATLAB bicubic; BD: Gaussian blur (sigma 0.4*scale) + subsampling. '
                             'Several at once share one GT')
    parser.add_argument('--scale', type=int, default=4, help='downsampling factor')
    if lmdb:
        parser.add_argument('--lmdb', action='store_true', help='also write GT and LR LMDBs')
        parser.add_argument('--verify', action='store_true',
                            help='write nothing: decode every image of the LMDBs this command writes and '
                                 'check keys and shapes against the meta_info files')
    parser.add_argument('--overwrite', action='store_true', help='replace outputs that already exist')
    parser.add_argument('--skip-bad', action='store_true',
                        help='skip clips with a missing, unreadable or mis-sized frame and list them at the end, '
                             'instead of stopping at the first')
    parser.add_argument('--workers', type=int, default=default_workers(), help='processes (1: no pool)')
    parser.add_argument('--compress-level', type=int, default=1, choices=range(10), metavar='0-9',
                        help='PNG compression (1, as BasicSR LMDBs: fast to decode)')
    return parser


def check_args(args):
    if args.scale < 2:
        raise DatasetPrepError(f'--scale {args.scale}: must be at least 2')
    if 'BD' in args.degradation and args.scale not in BD_SCALES:
        raise DatasetPrepError(f'--scale {args.scale}: BD supports scales {BD_SCALES}')
    args.degradation = tuple(dict.fromkeys(args.degradation))  # drop repeats, keep order


def parse(parser, argv=None):
    """Parsed and checked arguments; raises DatasetPrepError (for library callers)."""
    args = parse_checked(parser, argv)
    check_args(args)
    return args


def run(parser, body, argv=None):
    """Parse argv, run body(args); bad input is one line on stderr and exit 2."""
    # OpenCV's own decoder warnings would precede our one-line error (workers inherit this).
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    install_faulthandler()
    args = None
    try:
        args = parse(parser, argv)
        body(args)
    except StdError as err:
        print(f'error: {err}', file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        if not is_disk_error(err):
            raise
        print(f'error: {disk_error_line(err, output_paths(args))}', file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print('interrupted: partial outputs were removed, existing ones left as they were', file=sys.stderr)
        return 130
    return 0


def require_root(args, what):
    """--root is optional only for --verify, which reads the outputs alone."""
    if args.root is None:
        raise DatasetPrepError(f'--root is required: {what}')
    return Path(args.root)


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
