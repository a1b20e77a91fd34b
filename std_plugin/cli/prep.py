"""std-prep-vimeo90k, std-prep-reds, std-prep-vid4, std-prep-video, std-prep-demo:
the dataset scripts as console scripts. The parsers are here, the work in
std_plugin.data.prep.<source> (its prepare(args), and for Python callers
video.prepare_video and demo.build_demo_data); the help text is the source
module's docstring. Each main returns 0, or exits with status 2 on bad input
(one line) and 130 on Ctrl-C (partial outputs removed)."""
from std_plugin.cli.common import (add_deprecated_alias, add_output, add_overwrite, add_workers, command_parser,
                                   run_main)
from std_plugin.cli.arg_types import size_wxh
from std_plugin.data.prep import demo as demo_data
from std_plugin.data.prep import reds as reds_data
from std_plugin.data.prep import vid4 as vid4_data
from std_plugin.data.prep import video as video_data
from std_plugin.data.prep import vimeo90k as vimeo90k_data
from std_plugin.data.prep.cli import check_args
from std_plugin.data.prep.degradations import DEGRADATIONS
from std_plugin.core.path_args import FILE_OR_FOLDER, FOLDER, add_path_argument, parse_checked

# Outputs are written under staging names and renamed when complete (data/prep/staging.py).
STAGED = 'partial outputs were removed, existing ones left as they were'
SOURCES = {'vimeo90k': vimeo90k_data, 'reds': reds_data, 'vid4': vid4_data, 'video': video_data}


def common_parser(source, *, lmdb=True):
    """The flags every dataset script takes (demo excepted)."""
    parser = command_parser(f'std-prep-{source}', SOURCES[source].__doc__)
    add_output(parser, 'dir', required=True, help='output folder (created if missing)')
    parser.add_argument('--degradation', nargs='+', choices=sorted(DEGRADATIONS), default=['BI'],
                        help='BI: MATLAB bicubic; BD: Gaussian blur (sigma 0.4*scale) + subsampling; '
                             'BIN: bicubic + Gaussian noise. Several at once share one GT (default: BI)')
    parser.add_argument('--scale', type=int, default=4, help='downsampling factor (default: 4)')
    if lmdb:
        parser.add_argument('--lmdb', action='store_true', help='also write GT and LR LMDBs')
        parser.add_argument('--verify', action='store_true',
                            help='write nothing: decode every image of the LMDBs this command writes and '
                                 'check keys and shapes against the meta_info files')
    add_overwrite(parser)
    parser.add_argument('--skip-bad', action='store_true',
                        help='skip clips with a missing, unreadable or mis-sized frame and list them at the end, '
                             'instead of stopping at the first')
    add_workers(parser, 'processes decoding and writing frames')
    parser.add_argument('--compress-level', type=int, default=1, choices=range(10), metavar='0-9',
                        help='PNG compression (default: 1, as BasicSR LMDBs: fast to decode)')
    return parser


def add_input_folder(parser, help, required=False):
    """--input, the source dataset folder; --root, its former name, still works
    (a required --input is then a required group of the two: either satisfies it)."""
    where = parser.add_mutually_exclusive_group(required=True) if required else parser
    action = add_path_argument(where, '--input', kind=FOLDER, help=help)
    add_deprecated_alias(where, '--root', action)
    return action


def vimeo90k_parser():
    parser = common_parser('vimeo90k')
    add_input_folder(parser, 'the vimeo_septuplet folder (not needed with --verify)')
    parser.add_argument('--split', choices=sorted(vimeo90k_data.LIST_FILES), default='train',
                        help='which septuplet list to prepare: sep_trainlist.txt or sep_testlist.txt '
                             '(default: train)')
    return parser


def reds_parser():
    parser = common_parser('reds')
    add_input_folder(parser, 'folder of REDS clip folders, e.g. train_sharp (not needed with --verify)')
    return parser


def vid4_parser():
    parser = common_parser('vid4', lmdb=False)
    add_input_folder(parser, 'folder of clip folders of GT frames', required=True)
    return parser


def video_parser():
    parser = common_parser('video')
    add_path_argument(parser, '--input', kind=FILE_OR_FOLDER, nargs='+',
                      help='video files and/or folders of frames (not needed with --verify)')
    parser.add_argument('--layout', choices=['vimeo', 'vid4'], required=True,
                        help='vimeo: septuplets for training; vid4: one test clip per input')
    parser.add_argument('--gt-size', type=size_wxh, metavar='WxH',
                        help='GT frame size, width x height: resize to cover it, then centre-crop '
                             '(multiples of --scale; default: the input size cropped to a multiple of --scale)')
    parser.add_argument('--start', type=int, default=0, help='first frame used of each input (default: 0)')
    parser.add_argument('--max-frames', type=int, help='frames used of each input (default: all)')
    parser.add_argument('--step', type=int, default=video_data.SEPTUPLET,
                        help='vimeo layout: frames between septuplet starts; < 7 overlaps them (default: 7)')
    parser.add_argument('--name', nargs='+', help='vid4 layout: clip names (default: the input file stems)')
    return parser


def demo_parser():
    parser = command_parser('std-prep-demo', demo_data.__doc__)
    add_output(parser, 'dir', required=True, help='demo data folder (reused when complete)')
    parser.add_argument('--degradation', choices=sorted(DEGRADATIONS), default=demo_data.DEMO_DEGRADATION,
                        help='the degradation whose paths are printed; all are built '
                             f'(default: {demo_data.DEMO_DEGRADATION}, the one std-demo trains on)')
    add_workers(parser, 'processes decoding and writing frames')
    return parser


PARSERS = {'vimeo90k': vimeo90k_parser, 'reds': reds_parser, 'vid4': vid4_parser, 'video': video_parser,
           'demo': demo_parser}


def parse(source, argv=None):
    """Parsed and checked arguments of std-prep-<source> (raises StdError), for
    callers that want the command's work without its exit-status wrapper."""
    args = parse_checked(PARSERS[source](), argv)
    if source != 'demo':
        check_args(args)
    return args


def quiet_opencv():
    # OpenCV's own decoder warnings would precede our one-line error (workers inherit this).
    import cv2
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def source_main(source):
    def main(argv=None):
        quiet_opencv()

        def body(args):
            check_args(args)
            SOURCES[source].prepare(args)
        run_main(f'std-prep-{source}', PARSERS[source], body, argv, interrupted=STAGED)
        return 0
    main.__name__ = source
    main.__doc__ = f'std-prep-{source}: exit status 0, or SystemExit(2) on bad input.'
    return main


vimeo90k, reds, vid4, video = (source_main(s) for s in ('vimeo90k', 'reds', 'vid4', 'video'))


def demo(argv=None):
    quiet_opencv()
    run_main('std-prep-demo', demo_parser, demo_data.print_demo_data, argv, interrupted=STAGED)
    return 0

