"""std-export: a trained student to ONNX (dynamic batch, height and width),
checked against PyTorch with onnxruntime.

    std-export --model net_g.pth --arch FastDVDnetVSR --out student.onnx
    std-export --model net_g.pth --arch options/std_fastdvd.yml --out student.onnx --size 180x120

The ONNX input `lr_window` is (batch, num_frame, 3, height, width), float32 RGB
in [0, 1], height and width multiples of 4; the output `sr` is
(batch, 3, 4*height, 4*width). The check runs onnxruntime and PyTorch on a
random input of --size and on one of another size and batch (proving the
dynamic axes) and prints the max abs difference of each.
"""
import argparse
import os

import torch

import std_plugin  # noqa: F401  (registers the plugin; aliases torchvision for basicsr)
from std_plugin.input_error import InputError, report_input_errors
from std_plugin.onnx_export import export_onnx, max_abs_diff, onnx_session
from std_plugin.tools.network_args import add_network_arguments, load_network
# The same WxH convention (multiples of 4) as std-profile's --size.
from std_plugin.tools.profile import parse_size

MULTIPLE = 4  # FastDVDnetVSR's and EDVR's downsampling


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='std-export', description=__doc__.split('\n\n')[0])
    add_network_arguments(parser)
    parser.add_argument('--out', required=True, help='ONNX file to write, e.g. student.onnx')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--size', type=parse_size, default=(64, 64), help='LR WxH traced and checked (default 64x64)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (TorchScript exporter: <= 20; default 17)')
    parser.add_argument('--atol', type=float, default=1e-4, help='max abs difference accepted (default 1e-4)')
    return parser.parse_args(argv)


def check_sizes(size):
    """(batch, h, w): the traced size, then another height, width and batch."""
    w, h = size
    return [(1, h, w), (2, h + 2 * MULTIPLE, w + 4 * MULTIPLE)]


def export(args, net, num_frame):
    if os.path.exists(args.out) and not args.overwrite:
        raise InputError(f'--out: {args.out} exists; pass --overwrite to replace it')
    if os.path.dirname(args.out):
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
    try:
        export_onnx(net, args.out, torch.rand(1, num_frame, 3, *reversed(args.size)), args.opset)
    except torch.onnx.errors.OnnxExporterError as err:
        raise InputError(f'cannot export {args.arch} at opset {args.opset}: {str(err).splitlines()[0]}') from None


def run(args):
    net, num_frame, opt = load_network(args)
    export(args, net, num_frame)
    session = onnx_session(args.out)
    worst = 0.0
    for batch, h, w in check_sizes(args.size):
        diff = max_abs_diff(session, net, torch.rand(batch, num_frame, 3, h, w))
        worst = max(worst, diff)
        print(f'onnxruntime vs PyTorch, input ({batch}, {num_frame}, 3, {h}, {w}): max abs diff {diff:.3g}')
    print(f'{opt["type"]} -> {args.out} (opset {args.opset}, dynamic batch/height/width)')
    if worst > args.atol:
        print(f'std-export: error: ONNX differs from PyTorch by {worst:.3g} > --atol {args.atol:g}')
        raise SystemExit(1)


def main(argv=None):
    report_input_errors('std-export', run, parse_args(argv))


if __name__ == '__main__':
    main()
