"""Static INT8 quantisation of an exported window network with ONNX Runtime,
checked by the PSNR of its output against the float model's.

The recipe is ONNX Runtime's for CPUs: `quant_pre_process` (shape inference
and graph optimisation, which folds each BatchNorm into its convolution, so
the folded weights are what gets quantised), then `quantize_static` in QDQ
format with per-channel INT8 weights and UINT8 activations whose ranges are
calibrated (min/max) on LR windows of real footage. On x86 CPUs without VNNI
the weights use 7 bits (`reduce_range`): their 8-bit multiply-add instruction
(vpmaddubsw) saturates the sum of two u8 x s8 products in int16.

An INT8 output is judged by the Y PSNR of its uint8 frames against the float
model's uint8 frames (what std-infer would write), not by an absolute
difference: quantisation changes every pixel a little. When the PSNR is below
the tolerance, the convolution whose output INT8 changes most (lowest
signal-to-quantisation-noise ratio, ONNX Runtime's qdq_loss_debug) is kept in
float and the model quantised again, until the tolerance is met or
`max_float` layers are kept; the report names each layer kept in float."""
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np
import torch

from basicsr.metrics import calculate_psnr
from std_plugin.core.cpu_features import has_vnni
from std_plugin.inference.onnx_runtime import import_onnxruntime, session
from std_plugin.inference.tiling import pad_to_multiple, to_uint8_bgr


class WindowReader:
    """ONNX Runtime's CalibrationDataReader protocol over a list of windows."""

    def __init__(self, input_name, windows):
        self.input_name, self.windows = input_name, list(windows)
        self.position = 0

    def get_next(self):
        if self.position >= len(self.windows):
            return None
        self.position += 1
        return {self.input_name: padded_array(self.windows[self.position - 1])}

    def rewind(self):
        self.position = 0

    def __iter__(self):
        return iter(self.get_next, None)


def padded_array(window):
    return np.ascontiguousarray(pad_to_multiple(window, 4).numpy())


def sr_frames(run, windows):
    """uint8 BGR SR frames (cropped to each window's size) of `run(array)`."""
    frames = []
    for window in windows:
        h, w = window.shape[-2:]
        array = padded_array(window)
        out = torch.from_numpy(run(array))
        s = out.shape[-1] // array.shape[-1]
        frames.append(to_uint8_bgr(out[0, :, :s * h, :s * w]))
    return frames


def y_psnr(frames, references):
    """Mean Y PSNR (BasicSR's, no crop) of uint8 BGR frames against references."""
    values = [calculate_psnr(a, b, crop_border=0, test_y_channel=True) for a, b in zip(frames, references)]
    return float(np.mean(np.minimum(values, 100.0)))  # identical frames give inf


def run_of(sess):
    name, output = sess.get_inputs()[0].name, sess.get_outputs()[0].name
    return lambda array: sess.run([output], {name: array})[0]


@dataclass
class Int8Result:
    psnr: float                       # Y PSNR of the INT8 output against the float output
    kept_float: list = field(default_factory=list)  # node names of the convolutions left in float
    quantised: int = 0                # convolutions in INT8


def conv_nodes(model_path):
    import onnx
    model = onnx.load(str(model_path))
    return [node for node in model.graph.node if node.op_type == 'Conv']


def quantize(pre_path, out_path, windows, exclude, reduce_range):
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    input_name = session(pre_path).get_inputs()[0].name
    quantize_static(str(pre_path), str(out_path), WindowReader(input_name, windows), quant_format=QuantFormat.QDQ,
                    per_channel=True, reduce_range=reduce_range, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    nodes_to_exclude=list(exclude))


def worst_conv(pre_path, int8_path, windows, candidates):
    """The candidate Conv node whose output has the lowest SQNR between the
    float and the INT8 model on `windows`."""
    from onnxruntime.quantization import qdq_loss_debug as debug
    outputs = {node.output[0]: node.name for node in candidates}
    with tempfile.TemporaryDirectory() as tmp:
        float_aug, qdq_aug = os.path.join(tmp, 'float.onnx'), os.path.join(tmp, 'qdq.onnx')
        debug.modify_model_output_intermediate_tensors(str(pre_path), float_aug)
        debug.modify_model_output_intermediate_tensors(str(int8_path), qdq_aug)
        input_name = session(pre_path).get_inputs()[0].name
        float_act = debug.collect_activations(float_aug, WindowReader(input_name, windows))
        qdq_act = debug.collect_activations(qdq_aug, WindowReader(input_name, windows))
    errors = debug.compute_activation_error(debug.create_activation_matching(qdq_act, float_act))
    scored = [(errors[name]['xmodel_err'], node) for name, node in outputs.items()
              if name in errors and 'xmodel_err' in errors[name]]
    return min(scored)[1] if scored else None


def quantize_checked(fp32_path, out_path, calibration, check, min_psnr, max_float=8, log=print):
    """Write the INT8 model of `fp32_path` to `out_path`; return Int8Result.
    calibration, check: lists of (1, T, 3, h, w) windows."""
    import_onnxruntime('--int8')
    from onnxruntime.quantization import quant_pre_process
    reduce_range = not has_vnni()
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, 'pre.onnx')
        quant_pre_process(str(fp32_path), pre, skip_symbolic_shape=True)
        reference = sr_frames(run_of(session(pre)), check)
        convs = conv_nodes(pre)
        excluded = []
        while True:
            quantize(pre, out_path, calibration, excluded, reduce_range)
            psnr = y_psnr(sr_frames(run_of(session(out_path)), check), reference)
            log(f'INT8 vs float, {len(check)} check windows: Y PSNR {psnr:.2f} dB'
                + (f' ({len(excluded)} conv(s) kept in float)' if excluded else ''))
            if psnr >= min_psnr or len(excluded) >= max_float:
                break
            worst = worst_conv(pre, out_path, check, [n for n in convs if n.name not in excluded])
            if worst is None:
                break
            excluded.append(worst)
    return Int8Result(psnr, excluded, len(convs) - len(excluded))
