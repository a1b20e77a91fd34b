"""std-infer: x4 video super-resolution of a video file or a folder of frames
with any window network (STD students, BasicSR's EDVR, DUF, TOFlow).

    std-infer --model net_g.pth --arch FastDVDnetVSR --input clip.mp4 --out results/clip
    std-infer --model net_g.pth --arch options/std_fastdvd.yml --input frames/ --out sr/ \
        --tile 128 --tile-overlap 84 --video sr.mp4

Frame t is super-resolved from the window of the network's frame count
centred on t, border frames replicated (as in training). Frames are read
lazily, one window at a time; with --tile, frames are also processed in
tiles (see std_plugin.inference.tiling for the overlap that makes tiling exact).
Outputs are PNG frames named like the input frames (a video's as %08d.png),
and optionally a video.

The network runs in PyTorch or in ONNX Runtime (pip install -e ".[deploy]"),
in fp32, bf16 (PyTorch) or INT8 (ONNX Runtime); --backend auto, the default,
times both engines on this machine and keeps the faster:
    std-infer --model net_g.pth --arch FastDVDnetVSR --input frames/ --out sr/ --precision int8
    std-infer --model student.int8.onnx --input clip.mp4 --out sr/
A checkpoint run by ONNX Runtime is exported (and quantised) once into a
cache folder (--cache, default $STD_PLUGIN_CACHE or ~/.cache/std_plugin).
"""
import time

import torch

import std_plugin  # noqa: F401  (registers the plugin; aliases torchvision for basicsr)
from std_plugin.archs import network_spec
from std_plugin.cli.common import add_device, add_output, add_overwrite, command_parser, run_main
from std_plugin.cli.network_args import add_network_arguments, load_network
from std_plugin.core.errors import InputError
from std_plugin.core.path_args import FILE_OR_FOLDER, add_path_argument
from std_plugin.inference import backends
from std_plugin.inference.frame_sink import FrameSink, check_writable
from std_plugin.inference.frame_source import open_frames
from std_plugin.inference.onnx_runtime import is_onnx_file
from std_plugin.inference.video_sr import NonFiniteFrame, Tiling, super_resolve_video


def build_parser():
    parser = command_parser('std-infer', __doc__)
    add_network_arguments(parser, onnx=True)
    add_path_argument(parser, '--input', kind=FILE_OR_FOLDER, required=True, help='video file or folder of frames')
    add_output(parser, 'dir', required=True, help='folder for the super-resolved PNG frames')
    add_overwrite(parser)
    add_output(parser, 'file', flags=('--video',), help='also write the frames as this video file (e.g. sr.mp4)')
    parser.add_argument('--fps', type=float, help="video frame rate (default: the input video's, else 25)")
    parser.add_argument('--fourcc', default='mp4v', help='video codec for --video (default mp4v)')
    parser.add_argument('--tile', type=int, default=0, help='LR tile size in px (default 0: whole frames)')
    parser.add_argument('--tile-overlap', type=int, default=32,
                        help='LR context px around each tile (default 32; 84 is exact for FastDVDnetVSR)')
    parser.add_argument('--multiple', type=int, default=4,
                        help='pad frames to a multiple of this (default 4: FastDVDnetVSR, EDVR, TOFlow)')
    parser.add_argument('--pad-mode', choices=['replicate', 'reflect'], default='replicate',
                        help='how frames are padded to --multiple (default replicate, as in training)')
    add_device(parser, 'the network runs on')
    parser.add_argument('--half', action='store_true', help='autocast: float16 on GPU, bfloat16 on CPU '
                        '(the same as --precision bf16)')
    parser.add_argument('--backend', choices=backends.BACKENDS, default='auto',
                        help='engine (default auto: the faster of PyTorch and ONNX Runtime here, timed once)')
    parser.add_argument('--precision', choices=backends.PRECISIONS,
                        help='fp32 (default), bf16 (PyTorch autocast) or int8 (ONNX Runtime); an ONNX --model '
                        'runs at its own precision')
    parser.add_argument('--threads', type=int, help='CPU threads of either engine (default: one per core)')
    add_path_argument(parser, '--calib', kind=FILE_OR_FOLDER,
                      help="INT8 of a checkpoint: LR frames (folder or video) to calibrate on (default: the demo's "
                      'training clips)')
    parser.add_argument('--min-psnr', type=float, default=backends.DEFAULT_MIN_PSNR,
                        help=f'INT8 of a checkpoint: least Y PSNR (dB) of its output against float '
                        f'(default {backends.DEFAULT_MIN_PSNR:g})')
    parser.add_argument('--cache', help='folder of ONNX files exported on the fly (default $STD_PLUGIN_CACHE or '
                        '~/.cache/std_plugin)')
    return parser


def check_args(args):
    if args.tile < 0 or args.tile_overlap < 0 or args.multiple < 1:
        raise InputError('--tile and --tile-overlap must be >= 0, --multiple >= 1')
    if args.threads is not None and args.threads < 1:
        raise InputError('--threads must be >= 1')
    if is_onnx_file(args.model) and (args.arch or args.arch_opt):
        raise InputError(f'--arch: --model {args.model} is an ONNX file, which holds its network; drop --arch/--arch-opt')
    if not is_onnx_file(args.model) and not args.arch:
        raise InputError('--arch is required with a checkpoint --model (it is optional only for an ONNX file)')


def open_engine(args, frames, device):
    precision = backends.check_request(args.model, args.backend, args.precision, args.half)
    if args.threads:
        torch.set_num_threads(args.threads)
    spec = None
    if not is_onnx_file(args.model):
        spec = (network_spec.network_options(args.arch, args.arch_opt), [args.param_key, args.no_strict, args.scale])
    size = tiling_of(args).call_size(*frames.read(0).shape[:2])
    return backends.open_engine(args.model, args.backend, precision, lambda dev: load_network(args, dev), spec,
                                device, args.threads, size, args.calib, args.min_psnr, args.cache)


def tiling_of(args):
    return Tiling(args.tile, args.tile_overlap, args.multiple, args.pad_mode)


def run(args):
    check_args(args)
    device = torch.device(args.device)
    frames = open_frames(args.input)
    check_writable(args.out, args.video, args.overwrite)
    engine = open_engine(args, frames, device)
    fps = args.fps or frames.fps or 25.0
    with FrameSink(args.out, args.video, fps, args.fourcc, args.overwrite) as sink:
        start = time.perf_counter()
        try:
            super_resolve_video(engine.net, engine.num_frame, frames, sink, tiling_of(args), device,
                                lambda: engine.autocast(device))
        except NonFiniteFrame as err:
            raise InputError(f'frame {err.name}: {err.why}; --model {args.model} gives no valid result '
                             f'({err.written} frames written to {args.out})') from None
        seconds = time.perf_counter() - start
    print(f'{engine.name} ({engine.backend}, {engine.precision}): {len(frames)} frames ({engine.num_frame}-frame '
          f'windows) in {seconds:.2f} s, {len(frames) / seconds:.2f} fps on {device}; frames in {args.out}'
          + (f', video {args.video}' if args.video else ''))


def main(argv=None):
    run_main('std-infer', build_parser, run, argv)


if __name__ == '__main__':
    main()
