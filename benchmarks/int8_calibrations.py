"""Y PSNR from float of an exported student quantised to INT8 with each
calibration ONNX Runtime offers (min/max, percentile 99.99) and weight width
(7 or 8 bits), every convolution in INT8: calibrated on the demo's training
clips, judged on 8 windows of its validation clip (bikes), never the test clip.

    std-export --model net_g.pth --arch FastDVDnetVSR --out full.onnx
    python benchmarks/int8_calibrations.py full.onnx
"""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import std_plugin  # noqa: E402,F401
from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType, quant_pre_process,  # noqa: E402
                                      quantize_static)
from std_plugin.inference import calibration, int8  # noqa: E402
from std_plugin.inference.onnx_runtime import session  # noqa: E402

VARIANTS = [(method, extra, reduce_range) for reduce_range in (True, False)
            for method, extra in ((CalibrationMethod.MinMax, {}),
                                  (CalibrationMethod.Percentile, {'CalibPercentile': 99.99}))]


def main(fp32):
    num_frame = session(fp32).get_inputs()[0].shape[1]
    windows = calibration.windows(calibration.DEMO_TRAIN, num_frame, 16)
    check = calibration.windows(calibration.DEMO_VAL, num_frame, 8)
    with tempfile.TemporaryDirectory() as tmp:
        pre, out = os.path.join(tmp, 'pre.onnx'), os.path.join(tmp, 'int8.onnx')
        quant_pre_process(fp32, pre, skip_symbolic_shape=True)
        reference = int8.sr_frames(int8.run_of(session(pre)), check)
        name = session(pre).get_inputs()[0].name
        for method, extra, reduce_range in VARIANTS:
            start = time.perf_counter()
            quantize_static(pre, out, int8.WindowReader(name, windows), quant_format=QuantFormat.QDQ,
                            per_channel=True, reduce_range=reduce_range, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, calibrate_method=method, extra_options=extra)
            psnr = int8.y_psnr(int8.sr_frames(int8.run_of(session(out)), check), reference)
            print(f'{method.name:10s} weights {7 if reduce_range else 8}-bit: {psnr:.2f} dB from float '
                  f'({time.perf_counter() - start:.0f} s)', flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
