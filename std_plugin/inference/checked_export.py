"""A window network to an ONNX file that is known to compute what the network
computes: exported to a hidden sibling of the destination, checked there with
ONNX Runtime on two sizes and batches (the dynamic axes), optionally quantised
to INT8 and checked by PSNR against float, and renamed into place only when
every check passed. std-export is this function behind a parser.

    export_checked(net, 7, 'student.onnx', size=(180, 120))
    export_checked(net, 7, 'student.int8.onnx', size=(180, 120), int8_options=Int8Options(calib='lr_frames/'))
"""
import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from std_plugin.core.atomic_write import atomic_path
from std_plugin.core.errors import InputError
from std_plugin.inference import backends, int8
from std_plugin.inference.onnx_export import export_onnx, max_abs_diff, onnx_session
from std_plugin.inference.onnx_runtime import OnnxWindowNetwork

MULTIPLE = 4  # FastDVDnetVSR's and EDVR's downsampling


class ExportRejected(Exception):
    """The export ran but failed a check: nothing was written (std-export: exit 1)."""


@dataclass
class Int8Options:
    calib: str = None                 # LR frames to calibrate on (None: the demo's training clips)
    min_psnr: float = backends.DEFAULT_MIN_PSNR
    max_float: int = 8


def check_sizes(size):
    """(batch, h, w): the traced size (W, H), then another height, width and batch."""
    w, h = size
    return [(1, h, w), (2, h + 2 * MULTIPLE, w + 4 * MULTIPLE)]


def export(net, num_frame, path, size, opset, name):
    try:
        export_onnx(net, path, torch.rand(1, num_frame, 3, *reversed(size)), opset)
    except torch.onnx.errors.OnnxExporterError as err:
        raise InputError(f'cannot export {name} at opset {opset}: {str(err).splitlines()[0]}') from None


def check_float(net, num_frame, path, size, atol, out, log):
    """Refuse when a difference is above atol or not a number (NaN compares
    false with everything, so the test is `not <=`)."""
    session = onnx_session(path)
    for batch, h, w in check_sizes(size):
        diff = max_abs_diff(session, net, torch.rand(batch, num_frame, 3, h, w))
        log(f'onnxruntime vs PyTorch, input ({batch}, {num_frame}, 3, {h}, {w}): max abs diff {diff:.3g}')
        if not diff <= atol:
            why = 'an output is NaN/Inf' if not math.isfinite(diff) else f'{diff:.3g} > --atol {atol:g}'
            raise ExportRejected(f'ONNX differs from PyTorch ({why}); {out} not written')


def check_int8_sizes(path, num_frame, size):
    """The INT8 model keeps the dynamic axes and gives finite outputs."""
    net = OnnxWindowNetwork(path)
    for batch, h, w in check_sizes(size):
        result = net(torch.rand(batch, num_frame, 3, h, w))
        if result.shape[0] != batch or not torch.isfinite(result).all():
            raise ExportRejected(f'the INT8 model gives a wrong or non-finite output at input '
                                 f'({batch}, {num_frame}, 3, {h}, {w})')


def quantise(fp32_path, path, num_frame, size, options, out, log):
    windows, check = backends.int8_windows(options.calib, num_frame)
    result = int8.quantize_checked(fp32_path, path, windows, check, options.min_psnr, options.max_float, log=log)
    if not result.psnr >= options.min_psnr:
        raise ExportRejected(f'the INT8 model is {result.psnr:.2f} dB Y PSNR from float, below --min-psnr '
                             f'{options.min_psnr:g}, with {len(result.kept_float)} convolution(s) kept in float '
                             f'(--max-float {options.max_float}); {out} not written')
    check_int8_sizes(path, num_frame, size)
    log(f'INT8: {result.quantised} convolutions quantised, kept in float: {", ".join(result.kept_float) or "none"}; '
        f'Y PSNR against float {result.psnr:.2f} dB (>= --min-psnr {options.min_psnr:g})')
    return result


def export_checked(net, num_frame, out, size=(64, 64), opset=17, atol=1e-4, int8_options=None, name='the network',
                   log=print):
    """Write `out` (fp32, or INT8 with `int8_options`) from `net` (eval mode,
    CPU); raise ExportRejected (nothing written) when a check fails."""
    with atomic_path(out) as staged:
        fp32 = Path(staged).with_name(Path(staged).stem + '.fp32.onnx') if int8_options else staged
        try:
            export(net, num_frame, fp32, size, opset, name)
            check_float(net, num_frame, fp32, size, atol, out, log)
            if int8_options:
                quantise(fp32, staged, num_frame, size, int8_options, out, log)
        finally:
            if fp32 != staged and os.path.exists(fp32):
                os.remove(fp32)
