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
import math
import os
import sys

import torch

import std_plugin  # noqa: F401  (registers the plugin; aliases torchvision for basicsr)
from std_plugin.cli.network_args import add_network_arguments, load_network
from std_plugin.inference.onnx_export import export_onnx, max_abs_diff, onnx_session
from std_plugin.training.errors import InputError, run_command
from std_plugin.training.path_args import OUT_FILE, add_path_argument, parse_checked
# The same WxH convention (multiples of 4) as std-profile's --size.
from std_plugin.evaluation.networks import parse_size

MULTIPLE = 4  # FastDVDnetVSR's and EDVR's downsampling


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='std-export', description=__doc__.split('\n\n')[0])
    add_network_arguments(parser)
    add_path_argument(parser, '--out', kind=OUT_FILE, required=True, help='ONNX file to write, e.g. student.onnx')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument('--size', type=parse_size, default=(64, 64), help='LR WxH traced and checked (default 64x64)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (TorchScript exporter: <= 20; default 17)')
    parser.add_argument('--atol', type=float, default=1e-4, help='max abs difference accepted (default 1e-4)')
    return parse_checked(parser, argv)


def check_sizes(size):
    """(batch, h, w): the traced size, then another height, width and batch."""
    w, h = size
    return [(1, h, w), (2, h + 2 * MULTIPLE, w + 4 * MULTIPLE)]


def check_out(args):
    if os.path.exists(args.out) and not args.overwrite:
        raise InputError(f'--out: {args.out} exists; pass --overwrite to replace it')


def staging_path(out):
    """A hidden sibling of --out: the export is checked there and renamed into
    place only when it passed, so a failed export never replaces a good file."""
    folder, name = os.path.split(out)
    return os.path.join(folder, f'.{name}.partial')


def export(args, net, num_frame, path):
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        export_onnx(net, path, torch.rand(1, num_frame, 3, *reversed(args.size)), args.opset)
    except torch.onnx.errors.OnnxExporterError as err:
        raise InputError(f'cannot export {args.arch} at opset {args.opset}: {str(err).splitlines()[0]}') from None


def check_export(args, net, num_frame, path):
    """None, or an error line when a difference is above --atol or not a number
    (NaN compares false with everything, so the test is `not <=`)."""
    session = onnx_session(path)
    for batch, h, w in check_sizes(args.size):
        diff = max_abs_diff(session, net, torch.rand(batch, num_frame, 3, h, w))
        print(f'onnxruntime vs PyTorch, input ({batch}, {num_frame}, 3, {h}, {w}): max abs diff {diff:.3g}')
        if not diff <= args.atol:
            why = 'an output is NaN/Inf' if not math.isfinite(diff) else f'{diff:.3g} > --atol {args.atol:g}'
            return f'ONNX differs from PyTorch ({why}); {args.out} not written'
    return None


def run(args):
    check_out(args)
    net, num_frame, opt = load_network(args)
    partial = staging_path(args.out)
    try:
        export(args, net, num_frame, partial)
        error = check_export(args, net, num_frame, partial)
        if error:
            print(f'std-export: error: {error}', file=sys.stderr)
            raise SystemExit(1)
        os.replace(partial, args.out)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    print(f'{opt["type"]} -> {args.out} (opset {args.opset}, dynamic batch/height/width)')


def main(argv=None):
    run_command('std-export', parse_args, run, argv)


if __name__ == '__main__':
    main()
