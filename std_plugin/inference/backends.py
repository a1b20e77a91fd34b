"""Which engine runs the network in std-infer, and at which precision.

Backends: PyTorch (`torch`) or ONNX Runtime (`onnxruntime`), the latter on an
ONNX file (`--model x.onnx`, e.g. from std-export) or on a checkpoint exported
on the fly to a cached ONNX file. Precisions: fp32; bf16 (PyTorch autocast;
float16 on a GPU); int8 (ONNX Runtime static quantisation, see int8.py).

`auto` keeps the precision the user asked for (a precision changes the
frames, so it is never chosen behind the user's back) and picks the backend
that ran the network fastest on this machine, timed on a window of the
input's tile size; the choice is printed and cached with the timings, keyed by
the network, the size, the thread count and the CPU."""
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from std_plugin.core.atomic_write import atomic_path
from std_plugin.core.cpu_features import cpu_info, native_bf16
from std_plugin.core.errors import InputError
from std_plugin.core.timing import time_calls
from std_plugin.inference import calibration, int8
from std_plugin.inference.onnx_export import export_onnx
from std_plugin.inference.onnx_runtime import OnnxWindowNetwork, import_onnxruntime, is_onnx_file, model_precision

BACKENDS = ('auto', 'torch', 'onnxruntime')
PRECISIONS = ('fp32', 'bf16', 'int8')
OPSET = 17
DEFAULT_MIN_PSNR = 43.0  # INT8 vs float Y PSNR; see docs/deployment.md for why 43 dB
CALIBRATION_WINDOWS, CHECK_WINDOWS = 16, 8


@dataclass
class Engine:
    net: object           # callable (B, T, 3, h, w) -> (B, 3, s*h, s*w)
    num_frame: int
    backend: str          # 'torch' or 'onnxruntime'
    precision: str        # 'fp32', 'bf16' or 'int8'
    name: str             # the network's type, for messages

    def autocast(self, device):
        """The autocast context of a bf16 PyTorch engine (float16 on a GPU), else a no-op."""
        half = torch.bfloat16 if torch.device(device).type == 'cpu' else torch.float16
        return torch.autocast(torch.device(device).type, dtype=half, enabled=self.precision == 'bf16')


def check_request(model, backend, precision, half):
    """One line for each combination that cannot run; returns the precision
    (None: the ONNX file's own, or fp32)."""
    if half:
        if precision == 'int8' or (is_onnx_file(model) and model_precision(model) == 'int8'):
            raise InputError('--half: an INT8 model runs in integer arithmetic; --half (float16/bfloat16 autocast) '
                             f'does not apply to it ({"--precision int8" if precision == "int8" else "--model " + model})')
        if precision not in (None, 'bf16'):
            raise InputError(f'--half means --precision bf16; it contradicts --precision {precision}')
        precision = 'bf16'
    if is_onnx_file(model):
        if backend == 'torch':
            raise InputError(f'--backend torch: --model {model} is an ONNX file; use --backend onnxruntime or auto')
        if precision == 'bf16':
            raise InputError(f'--precision bf16: --model {model} is an ONNX file, run by ONNX Runtime, whose CPU '
                             'kernels have no bfloat16 path; pass a checkpoint with --backend torch')
    if backend == 'torch' and precision == 'int8':
        raise InputError('--precision int8 runs on ONNX Runtime: use --backend onnxruntime or auto')
    if backend == 'onnxruntime' and precision == 'bf16':
        raise InputError('--precision bf16 is PyTorch autocast: use --backend torch or auto '
                         '(ONNX Runtime: --precision fp32 or int8)')
    return precision


def cache_dir(folder=None):
    return Path(folder or os.environ.get('STD_PLUGIN_CACHE') or Path.home() / '.cache' / 'std_plugin')


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def network_key(model, opt, load_options, precision, calib, min_psnr):
    """Everything the exported file depends on, hashed: same key, same file."""
    from std_plugin import __version__
    spec = {'model': file_digest(model), 'opt': opt, 'load': load_options, 'precision': precision,
            'opset': OPSET, 'version': __version__}
    if precision == 'int8':
        spec['calib'] = calib if calib in (calibration.DEMO_TRAIN, None) else [str(Path(calib).resolve()),
                                                                                os.stat(calib).st_mtime_ns]
        spec['min_psnr'] = min_psnr
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:20]


def export_checked(net, num_frame, path, name):
    try:
        export_onnx(net, path, torch.rand(1, num_frame, 3, 64, 64), OPSET)
    except torch.onnx.errors.OnnxExporterError as err:
        raise InputError(f'{name} cannot be exported to ONNX ({str(err).splitlines()[0][:160]}); '
                         'use --backend torch') from None


def int8_windows(calib, num_frame):
    source = calib or calibration.DEMO_TRAIN
    check = calibration.DEMO_VAL if source == calibration.DEMO_TRAIN else source
    return (calibration.windows(source, num_frame, CALIBRATION_WINDOWS),
            calibration.windows(check, num_frame, CHECK_WINDOWS))


def quantized(fp32_path, path, num_frame, calib, min_psnr, log):
    windows, check = int8_windows(calib, num_frame)
    result = int8.quantize_checked(fp32_path, path, windows, check, min_psnr, log=log)
    if result.psnr < min_psnr:
        raise InputError(f'--precision int8: the INT8 model is {result.psnr:.2f} dB Y PSNR from the float one, below '
                         f'--min-psnr {min_psnr:g} even with {len(result.kept_float)} layer(s) kept in float; use '
                         '--precision fp32, or std-export --int8 with --calib frames like yours')
    kept = f'; kept in float: {", ".join(result.kept_float)}' if result.kept_float else ''
    log(f'INT8: {result.quantised} convolutions quantised{kept}; {result.psnr:.2f} dB Y PSNR from float')


def cached_onnx(load_torch, model, opt, load_options, precision, calib, min_psnr, folder, log):
    """Path of the ONNX file (fp32 or int8) of a checkpoint, exported (and
    quantised) on first use into the cache, written atomically."""
    key = network_key(model, opt, load_options, precision, calib, min_psnr)
    folder = cache_dir(folder) / 'onnx'
    path = folder / f'{opt["type"]}-{key}.{precision}.onnx'
    if path.is_file():
        return path, f'cached {path}'
    folder.mkdir(parents=True, exist_ok=True)
    net, num_frame, _ = load_torch('cpu')
    with atomic_path(folder / f'{opt["type"]}-{key}.fp32.onnx') as fp32:
        export_checked(net, num_frame, fp32, opt['type'])
    if precision == 'int8':
        with atomic_path(path) as staged:
            quantized(folder / f'{opt["type"]}-{key}.fp32.onnx', staged, num_frame, calib, min_psnr, log)
    return path, f'exported to {path}'


def time_engine(engine, size, device, repeats=3):
    """Median seconds of one forward of a (1, T, 3, h, w) window; the first,
    untimed call pays one-time costs (allocation, kernel choice)."""
    x = torch.rand(1, engine.num_frame, 3, *size, device=device)
    with torch.no_grad(), engine.autocast(device):
        return time_calls(lambda: engine.net(x), repeats, 1, device).median_ms / 1000


def auto_choice(engines, size, device, threads, key, folder, log):
    """The fastest engine on a window of `size`, remembered per key, size, threads and CPU."""
    record_path = cache_dir(folder) / 'auto_backend.json'
    try:
        record = json.loads(record_path.read_text())
    except (OSError, ValueError):
        record = {}
    entry = f'{key}:{size[0]}x{size[1]}:{threads}:{device}:{cpu_info()[2]}'
    if entry not in record or record[entry]['backend'] not in engines:
        timings = {backend: time_engine(engine, size, device) for backend, engine in engines.items()}
        record[entry] = {'backend': min(timings, key=timings.get), 'seconds': timings}
        record_path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(record_path) as staged:
            Path(staged).write_text(json.dumps(record, indent=1))
    chosen = record[entry]['backend']
    timings = ', '.join(f'{b} {1000 * s:.0f} ms' for b, s in record[entry]['seconds'].items())
    log(f'--backend auto: {chosen} ({timings} per {size[1]}x{size[0]} window, measured on this machine)')
    return engines[chosen]


def onnx_engine(model, precision, threads, device):
    net = OnnxWindowNetwork(model, threads, device)
    if precision and precision != net.precision:
        raise InputError(f'--precision {precision}: --model {model} is an {net.precision.upper()} ONNX model')
    return Engine(net, net.num_frame, 'onnxruntime', net.precision, Path(model).name)


def candidates(backend, precision):
    if backend != 'auto':
        return [backend]
    if precision != 'fp32':
        return ['torch'] if precision == 'bf16' else ['onnxruntime']
    try:
        import_onnxruntime()
    except InputError:
        return ['torch']  # auto without the extra: PyTorch, the only engine there is
    return ['torch', 'onnxruntime']


def open_engine(model, backend, precision, load_torch, net_spec, device, threads, size, calib=None,
                min_psnr=DEFAULT_MIN_PSNR, cache=None, log=print):
    """The Engine std-infer runs. load_torch(device) -> (net, num_frame, opt)
    loads the checkpoint; net_spec = (opt, load options) identifies it."""
    if is_onnx_file(model):
        return onnx_engine(model, precision, threads, device)
    precision = precision or 'fp32'
    if precision == 'bf16' and torch.device(device).type == 'cpu' and not native_bf16():
        log('--precision bf16: this CPU has no native bfloat16 (AVX512-BF16 or AMX): PyTorch emulates it, '
            'usually slower than fp32')
    engines = {}
    names = candidates(backend, precision)
    for name in names:
        if name == 'torch':
            net, num_frame, opt = load_torch(device)
            engines[name] = Engine(net, num_frame, 'torch', precision, opt['type'])
            continue
        try:
            path, note = cached_onnx(load_torch, model, *net_spec, precision, calib, min_psnr, cache, log)
        except InputError as err:
            if len(names) == 1:
                raise
            log(f'--backend auto: ONNX Runtime left out ({err})')
            continue
        log(f'ONNX Runtime model: {note}')
        engines[name] = onnx_engine(path, precision, threads, device)
    if len(engines) == 1:
        return next(iter(engines.values()))
    key = network_key(model, *net_spec, precision, calib, min_psnr)
    return auto_choice(engines, size, device, threads, key, cache, log)
