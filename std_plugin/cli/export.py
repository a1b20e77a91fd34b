"""std-export: a trained student to ONNX (dynamic batch, height and width),
checked against PyTorch with onnxruntime.

    std-export --model net_g.pth --arch FastDVDnetVSR --out student.onnx
    std-export --model net_g.pth --arch options/std_fastdvd.yml --out student.onnx --size 180x120

The ONNX input `lr_window` is (batch, num_frame, 3, height, width), float32 RGB
in [0, 1], height and width multiples of 4; the output `sr` is
(batch, 3, 4*height, 4*width). The check runs onnxruntime and PyTorch on a
random input of --size and on one of another size and batch (proving the
dynamic axes) and prints the max abs difference of each.

With --int8 the checked float model is then quantised to INT8 with ONNX
Runtime (BatchNorm folded, per-channel weights, activations calibrated on
--calib LR frames, default the demo's training clips) and checked by the Y PSNR
of its output against the float output (--min-psnr) on the demo's validation
clip (or on --calib's frames); convolutions that INT8 hurts most are kept in
float until it passes, and the report names them:
    std-export --model net_g.pth --arch options/std_fastdvd.yml --out student.int8.onnx --int8
    std-export --model net_g.pth --arch options/std_fastdvd.yml --out student.int8.onnx --int8 --calib lr_frames/
"""
import math
import os
import sys
from pathlib import Path

import torch

import std_plugin  # noqa: F401  (registers the plugin; aliases torchvision for basicsr)
from std_plugin.cli.common import add_output, add_overwrite, command_parser, run_main
from std_plugin.cli.network_args import add_network_arguments, load_network
from std_plugin.core.atomic_write import atomic_path
from std_plugin.core.errors import InputError
from std_plugin.core.path_args import FILE_OR_FOLDER, add_path_argument
from std_plugin.evaluation.networks import parse_size
from std_plugin.inference import backends, int8
from std_plugin.inference.onnx_export import export_onnx, max_abs_diff, onnx_session
from std_plugin.inference.onnx_runtime import OnnxWindowNetwork, import_onnxruntime

MULTIPLE = 4  # FastDVDnetVSR's and EDVR's downsampling


def build_parser():
    parser = command_parser('std-export', __doc__)
    add_network_arguments(parser)
    add_output(parser, 'file', required=True, help='ONNX file to write, e.g. student.onnx')
    add_overwrite(parser)
    parser.add_argument('--size', type=parse_size, default=(64, 64), help='LR WxH traced and checked (default 64x64)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (TorchScript exporter: <= 20; default 17)')
    parser.add_argument('--atol', type=float, default=1e-4, help='max abs difference accepted (default 1e-4)')
    parser.add_argument('--int8', action='store_true', help='write the INT8 (static, QDQ) model instead of fp32')
    add_path_argument(parser, '--calib', kind=FILE_OR_FOLDER,
                      help="--int8: LR frames (folder or video) to calibrate on (default: the demo's training clips)")
    parser.add_argument('--min-psnr', type=float, default=backends.DEFAULT_MIN_PSNR,
                        help=f'--int8: least Y PSNR (dB) of the INT8 output against float '
                        f'(default {backends.DEFAULT_MIN_PSNR:g})')
    parser.add_argument('--max-float', type=int, default=8,
                        help='--int8: most convolutions kept in float to reach --min-psnr (default 8)')
    return parser


def check_args(args):
    if not args.int8 and (args.calib or args.min_psnr != backends.DEFAULT_MIN_PSNR or args.max_float != 8):
        raise InputError('--calib, --min-psnr and --max-float apply only with --int8')


def check_sizes(size):
    """(batch, h, w): the traced size, then another height, width and batch."""
    w, h = size
    return [(1, h, w), (2, h + 2 * MULTIPLE, w + 4 * MULTIPLE)]


def check_out(args):
    if os.path.exists(args.out) and not args.overwrite:
        raise InputError(f'--out: {args.out} exists; pass --overwrite to replace it')


def export(args, net, num_frame, path):
    try:
        export_onnx(net, path, torch.rand(1, num_frame, 3, *reversed(args.size)), args.opset)
    except torch.onnx.errors.OnnxExporterError as err:
        raise InputError(f'cannot export {args.arch} at opset {args.opset}: {str(err).splitlines()[0]}') from None


def fail(message):
    """The export is refused: one line, exit 1, and (raised inside atomic_path)
    nothing written and no existing --out replaced."""
    print(f'std-export: error: {message}', file=sys.stderr)
    raise SystemExit(1)


def check_export(args, net, num_frame, path):
    """Exit 1 when a difference is above --atol or not a number (NaN compares
    false with everything, so the test is `not <=`)."""
    session = onnx_session(path)
    for batch, h, w in check_sizes(args.size):
        diff = max_abs_diff(session, net, torch.rand(batch, num_frame, 3, h, w))
        print(f'onnxruntime vs PyTorch, input ({batch}, {num_frame}, 3, {h}, {w}): max abs diff {diff:.3g}')
        if not diff <= args.atol:
            why = 'an output is NaN/Inf' if not math.isfinite(diff) else f'{diff:.3g} > --atol {args.atol:g}'
            fail(f'ONNX differs from PyTorch ({why}); {args.out} not written')


def check_int8_sizes(path, num_frame, size):
    """The INT8 model keeps the dynamic axes and gives finite outputs."""
    net = OnnxWindowNetwork(path)
    for batch, h, w in check_sizes(size):
        out = net(torch.rand(batch, num_frame, 3, h, w))
        if tuple(out.shape[:1]) != (batch,) or not torch.isfinite(out).all():
            fail(f'the INT8 model gives a wrong or non-finite output at input ({batch}, {num_frame}, 3, {h}, {w})')


def export_int8(args, num_frame, fp32_path, path):
    windows, check = backends.int8_windows(args.calib, num_frame)
    result = int8.quantize_checked(fp32_path, path, windows, check, args.min_psnr, args.max_float)
    if not result.psnr >= args.min_psnr:
        fail(f'the INT8 model is {result.psnr:.2f} dB Y PSNR from float, below --min-psnr {args.min_psnr:g}, with '
             f'{len(result.kept_float)} convolution(s) kept in float (--max-float {args.max_float}); {args.out} not '
             'written')
    check_int8_sizes(path, num_frame, args.size)
    kept = ', '.join(result.kept_float) or 'none'
    print(f'INT8: {result.quantised} convolutions quantised, kept in float: {kept}; Y PSNR against float '
          f'{result.psnr:.2f} dB (>= --min-psnr {args.min_psnr:g})')


def run(args):
    check_args(args)
    check_out(args)
    if args.int8:
        import_onnxruntime('--int8')
    net, num_frame, opt = load_network(args)
    with atomic_path(args.out) as staged:
        fp32 = Path(staged).with_name(Path(staged).stem + '.fp32.onnx') if args.int8 else staged
        try:
            export(args, net, num_frame, fp32)
            check_export(args, net, num_frame, fp32)
            if args.int8:
                export_int8(args, num_frame, fp32, staged)
        finally:
            if fp32 != staged and os.path.exists(fp32):
                os.remove(fp32)
    kind = 'INT8' if args.int8 else 'fp32'
    print(f'{opt["type"]} -> {args.out} ({kind}, opset {args.opset}, dynamic batch/height/width)')


def main(argv=None):
    run_main('std-export', build_parser, run, argv)


if __name__ == '__main__':
    main()
