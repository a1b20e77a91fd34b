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
import os
import sys

import std_plugin  # noqa: F401  (registers the plugin; aliases torchvision for basicsr)
from std_plugin.cli.common import add_output, add_overwrite, command_parser, run_main
from std_plugin.cli.network_args import add_network_arguments, load_network
from std_plugin.core.errors import InputError
from std_plugin.core.path_args import FILE_OR_FOLDER, add_path_argument
from std_plugin.evaluation.networks import parse_size
from std_plugin.inference import backends
from std_plugin.inference.checked_export import ExportRejected, Int8Options, export_checked
from std_plugin.inference.onnx_runtime import import_onnxruntime


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


def check_out(args):
    if os.path.exists(args.out) and not args.overwrite:
        raise InputError(f'--out: {args.out} exists; pass --overwrite to replace it')


def run(args):
    check_args(args)
    check_out(args)
    if args.int8:
        import_onnxruntime('--int8')
    net, num_frame, opt = load_network(args)
    options = Int8Options(args.calib, args.min_psnr, args.max_float) if args.int8 else None
    try:
        export_checked(net, num_frame, args.out, args.size, args.opset, args.atol, options, args.arch)
    except ExportRejected as err:  # exported, but a check failed: exit 1, nothing written
        print(f'std-export: error: {err}', file=sys.stderr)
        raise SystemExit(1) from None
    kind = 'INT8' if args.int8 else 'fp32'
    print(f'{opt["type"]} -> {args.out} ({kind}, opset {args.opset}, dynamic batch/height/width)')


def main(argv=None):
    run_main('std-export', build_parser, run, argv)


if __name__ == '__main__':
    main()
