"""A window network to ONNX with dynamic batch and spatial size, and the check
that onnxruntime computes what PyTorch computes.

torch 2.14's default exporter (dynamo=True) needs onnxscript, which this
project does not depend on; the TorchScript exporter (dynamo=False) needs
only onnx and supports opsets up to 20. Opset 17 covers every op of the STD
students (grouped convs, BatchNorm, PixelShuffle -> DepthToSpace, bicubic
Resize). EDVR's deformable convolution (torchvision::deform_conv2d) has no
symbolic registered with this exporter, at any opset: it cannot be exported.
"""
import contextlib
import os
import sys
import warnings

import numpy as np
import torch


INPUT, OUTPUT = 'lr_window', 'sr'
DYNAMIC_AXES = {INPUT: {0: 'batch', 3: 'height', 4: 'width'},
                OUTPUT: {0: 'batch', 2: 'sr_height', 3: 'sr_width'}}


@contextlib.contextmanager
def silenced_stdout_fd():
    """Send what C++ writes to file descriptor 1 to /dev/null. torch's
    TorchScript exporter dumps the whole traced graph there when an op cannot
    be exported (its ONNX log reads as always on: it tests the function
    `_jit_is_onnx_log_enabled` instead of calling it); the error itself is
    still raised."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, 'w') as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def export_onnx(net, path, example, opset=17):
    """Trace `net` (eval mode) on `example` (B, T, C, h, w) and write `path`."""
    with warnings.catch_warnings(), silenced_stdout_fd():
        # The TorchScript exporter's deprecation notice is about dynamo=True becoming the only
        # one, which needs onnxscript: nothing the user of this file can act on.
        warnings.filterwarnings('ignore', category=DeprecationWarning)
        warnings.filterwarnings('ignore', category=FutureWarning)
        # Shape checks in forward() (FastDVDnetVSR's frame count) are traced as constants: right,
        # the frame count is not a dynamic axis.
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        torch.onnx.export(net, (example,), path, dynamo=False, opset_version=opset, input_names=[INPUT],
                          output_names=[OUTPUT], dynamic_axes=DYNAMIC_AXES)


def onnx_session(path):
    from std_plugin.inference.onnx_runtime import import_onnxruntime  # optional: the 'deploy' extra
    return import_onnxruntime('std-export').InferenceSession(str(path), providers=['CPUExecutionProvider'])


@torch.no_grad()
def max_abs_diff(session, net, x):
    """max |onnxruntime(x) - net(x)| for a (B, T, C, h, w) float32 CPU tensor."""
    expected = net(x).numpy()
    got = session.run([OUTPUT], {INPUT: x.numpy()})[0]
    if got.shape != expected.shape:
        raise ValueError(f'ONNX output {got.shape} != PyTorch output {expected.shape}')
    return float(np.abs(got - expected).max())
