"""Deployment speed and quality of the STD students on this machine's CPU: ms per
frame of each engine and precision, their quality on the demo clips, and the
multiply-adds per second achieved against what the CPU can do.

    python benchmarks/bench_deploy.py --root <std-demo root> --out deploy_bench
    python benchmarks/bench_deploy.py --root <root> --full-model experiments/deploy_full_student/models/net_g_latest.pth

Networks: the demo student (its checkpoint: --demo-model, default std-demo's
STD run of seed 0) and the full-size FastDVDnetVSR (--full-model; default
random weights, for which only the speed columns mean something: train one
with benchmarks/deploy_full_student.yml). Paths: PyTorch fp32, PyTorch bf16
(autocast; where the CPU has no native bf16, measured on the demo student at 180x120 only), ONNX
Runtime fp32 and ONNX Runtime INT8 (std-export --int8's recipe: calibrated on
the demo's training clips, checked on its validation clip). Sizes: a 180x120
LR frame in one piece, and a frame whose x4 output is 1920x1080 (LR 480x270)
in std-infer's tiles (128 px, overlap 32). Threads: 1 and 2 (--threads).

Quality: Y PSNR / SSIM (BasicSR's, no crop) on the demo's validation clip
(bikes) and test clip (Carphone), each frame from its 7-frame window, against
GT and against PyTorch fp32's output. Multiply-adds per frame come from
torch.utils.flop_counter (evaluation.flops); the CPU's peak is computed from
its vector width and units (see cpu_peaks) and stated with its assumptions.
Where the INT8 path is slower than it should be, the per-operator profile of
ONNX Runtime says where its time goes. Markdown and JSON in --out.
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import std_plugin  # noqa: E402,F401  (registers the plugin)
from basicsr.metrics import calculate_ssim  # noqa: E402
from std_plugin.archs import network_spec  # noqa: E402
from std_plugin.core.cpu_features import cpu_info, native_bf16  # noqa: E402
from std_plugin.core.timing import time_calls  # noqa: E402
from std_plugin.evaluation.flops import count_macs  # noqa: E402
from std_plugin.inference import calibration, int8  # noqa: E402
from std_plugin.inference.frame_source import open_frames, sliding_windows  # noqa: E402
from std_plugin.inference.onnx_export import export_onnx  # noqa: E402
from std_plugin.inference.onnx_runtime import OnnxWindowNetwork, session  # noqa: E402
from std_plugin.inference.tiling import tiled_sr_image  # noqa: E402

DEMO_OPT = Path(std_plugin.__file__).parent / 'demo' / 'options' / 'demo_std.yml'
PATHS = ('torch fp32', 'torch bf16', 'onnxruntime fp32', 'onnxruntime int8')
SIZES = {'180x120': (120, 180, 0), '1080p out (480x270, tiles 128)': (270, 480, 128)}
CLIPS = {'bikes (val)': ('val', 'bikes'), 'Carphone (test)': ('test', 'carphone')}
OVERLAP = 32


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], epilog=__doc__.split('\n\n', 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--root', required=True, help="std-demo's root (datasets/demo, experiments/)")
    parser.add_argument('--demo-model', help='demo student checkpoint (default: <root>/experiments/'
                        'demo_std_compare_std_s0/models/net_g_300.pth)')
    parser.add_argument('--full-model', help='full-size FastDVDnetVSR checkpoint (default: random weights)')
    parser.add_argument('--networks', nargs='+', choices=['demo', 'full'], default=['demo', 'full'])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--repeats', type=int, default=3, help='timed runs per 180x120 figure (1080p: 1)')
    parser.add_argument('--out', default='deploy_bench', help='folder for bench_deploy.md and .json')
    return parser.parse_args(argv)


def load(arch, checkpoint):
    opt = network_spec.network_options(str(arch), [])
    net = network_spec.build(opt)
    if checkpoint:
        net.load_state_dict(torch.load(checkpoint, map_location='cpu', weights_only=True)['params'])
    return net.eval(), network_spec.frames_per_output(net, opt)


def cpu_peaks(threads):
    """Peak multiply-adds per second of `threads` cores, per precision, with how
    each was obtained. Assumes two vector multiply(-add) pipes per core (every
    x86 core since Haswell and Zen 2) at the clock /proc/cpuinfo reports."""
    flags, mhz, name = cpu_info()
    if mhz is None:
        return {}, name
    hz, pipes = mhz * 1e6 * threads, 2
    lanes = 16 if 'avx512f' in flags else 8 if 'avx2' in flags else 4
    peaks = {'fp32': (pipes * lanes * hz, f'{pipes} FMA pipes x {lanes} fp32 lanes')}
    if 'amx_int8' in flags:
        peaks['int8'] = (1024 * hz, 'AMX: 1024 int8 MACs per cycle')
    elif 'avx512_vnni' in flags or 'avx_vnni' in flags:
        width = 64 if 'avx512_vnni' in flags else 32
        peaks['int8'] = (pipes * width * hz, f'VNNI vpdpbusd: {pipes} x {width} int8 MACs per cycle')
    else:  # vpmaddubsw (u8 x s8 pairs to int16) then vpmaddwd to int32: two instructions per 32 MACs
        peaks['int8'] = (pipes * 32 / 2 * hz, 'no VNNI: vpmaddubsw + vpmaddwd, 32 int8 MACs per 2 instructions')
    if 'amx_bf16' in flags:
        peaks['bf16'] = (512 * hz, 'AMX: 512 bf16 MACs per cycle')
    elif 'avx512_bf16' in flags:
        peaks['bf16'] = (pipes * 32 * hz, f'AVX512-BF16 vdpbf16ps: {pipes} x 32 MACs per cycle')
    else:
        peaks['bf16'] = (peaks['fp32'][0], 'no native bf16: emulated through fp32 (fp32 peak at best)')
    return {k: {'macs_per_s': v, 'how': f'{how}, {threads} core(s) at {mhz:.0f} MHz'} for k, (v, how) in peaks.items()}, name


class Engines:
    """The four paths of one network, built once (ONNX files in a temporary folder)."""

    def __init__(self, net, num_frame, folder, label):
        self.net, self.num_frame = net, num_frame
        self.fp32 = os.path.join(folder, f'{label}.onnx')
        self.int8 = os.path.join(folder, f'{label}.int8.onnx')
        export_onnx(net, self.fp32, torch.rand(1, num_frame, 3, 64, 64))
        windows = calibration.windows(calibration.DEMO_TRAIN, num_frame, 16)
        check = calibration.windows(calibration.DEMO_VAL, num_frame, 8)
        self.int8_result = int8.quantize_checked(self.fp32, self.int8, windows, check, min_psnr=43.0,
                                                 log=lambda line: None)

    def callable(self, path, threads):
        """(net callable, autocast dtype or None)."""
        torch.set_num_threads(threads)
        if path.startswith('torch'):
            return self.net, torch.bfloat16 if path.endswith('bf16') else None
        return OnnxWindowNetwork(self.fp32 if path.endswith('fp32') else self.int8, threads), None


@torch.no_grad()
def frame_ms(run, dtype, num_frame, size, repeats):
    h, w, tile = size
    frames = [np.random.default_rng(i).integers(0, 256, (h, w, 3), dtype=np.uint8) for i in range(num_frame)]
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=dtype is not None):
        one = lambda: tiled_sr_image(run, frames, tile, OVERLAP)  # noqa: E731
        return time_calls(one, repeats if not tile else 1, 1, 'cpu').median_ms


@torch.no_grad()
def clip_outputs(run, dtype, num_frame, lr_folder):
    frames = open_frames(lr_folder)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=dtype is not None):
        return [tiled_sr_image(run, window) for _, window in
                sliding_windows(len(frames), num_frame, frames.read)]


def quality(outputs, references):
    return {'psnr': int8.y_psnr(outputs, references),
            'ssim': float(np.mean([calculate_ssim(a, b, 0, test_y_channel=True) for a, b in zip(outputs, references)]))}


def macs_per_frame(net, num_frame, h, w):
    return count_macs(net, torch.rand(1, num_frame, 3, h, w))


def ort_profile(path, num_frame, threads, folder):
    """Share of ONNX Runtime's node time per operator type, 180x120, 3 runs."""
    prefix = os.path.join(folder, 'profile')
    sess = session(path, threads, profile_prefix=prefix)
    x = np.random.rand(1, num_frame, 3, 120, 180).astype(np.float32)
    for _ in range(3):
        sess.run(None, {sess.get_inputs()[0].name: x})
    events = json.loads(Path(sess.end_profiling()).read_text())
    totals = {}
    for event in events:
        if event.get('cat') == 'Node' and event.get('name', '').endswith('_kernel_time'):
            op = event['args'].get('op_name', '?')
            totals[op] = totals.get(op, 0) + event['dur']
    whole = sum(totals.values()) or 1
    return {op: round(100 * t / whole, 1) for op, t in sorted(totals.items(), key=lambda kv: -kv[1])[:8]}


def paths_of(label, bf16_native):
    """Emulated bf16 (no AVX512-BF16/AMX) is several times slower than fp32: it is
    measured on the demo student only, to show by how much."""
    return [p for p in PATHS if bf16_native or p != 'torch bf16' or label == 'demo student']


def measure(args):
    root = Path(args.root)
    demo_model = args.demo_model or root / 'experiments/demo_std_compare_std_s0/models/net_g_300.pth'
    networks = {'demo student': (DEMO_OPT, demo_model), 'full-size FastDVDnetVSR': ('FastDVDnetVSR', args.full_model)}
    networks = {k: v for k, v in networks.items() if k.split()[0].replace('full-size', 'full') in args.networks}
    bf16_native = native_bf16()
    results = {'cpu': cpu_info()[2], 'native_bf16': bf16_native, 'networks': {}}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(n, p, t, s) for n in networks for p in paths_of(n, bf16_native) for t in args.threads for s in SIZES
                if bf16_native or p != 'torch bf16' or s == '180x120']
        bar = tqdm(total=len(jobs) + sum(len(paths_of(n, bf16_native)) for n in networks), unit='figure',
                   desc='bench_deploy')
        for label, (arch, checkpoint) in networks.items():
            net, num_frame = load(arch, checkpoint)
            engines = Engines(net, num_frame, tmp, label.replace(' ', '_'))
            entry = results['networks'][label] = {
                'checkpoint': str(checkpoint) if checkpoint else 'random weights',
                'params_m': sum(p.numel() for p in net.parameters()) / 1e6,
                'gmacs_180x120': macs_per_frame(net, num_frame, 120, 180) / 1e9,
                'int8': {'psnr_vs_float_check': engines.int8_result.psnr, 'kept_float': engines.int8_result.kept_float,
                         'quantised_convs': engines.int8_result.quantised},
                'speed': {}, 'quality': {}, 'profile_int8': ort_profile(engines.int8, num_frame, max(args.threads), tmp)}
            references = {}
            for path in paths_of(label, bf16_native):
                run, dtype = engines.callable(path, max(args.threads))
                entry['quality'][path] = {}
                for clip, (part, name) in CLIPS.items():
                    outputs = clip_outputs(run, dtype, num_frame, root / f'datasets/demo/{part}/BINx4/{name}')
                    gt = [f.read(i) for f in [open_frames(root / f'datasets/demo/{part}/GT/{name}')]
                          for i in range(len(f))]
                    references.setdefault(clip, outputs)  # torch fp32 comes first
                    entry['quality'][path][clip] = {'gt': quality(outputs, gt),
                                                    'vs_torch_fp32': quality(outputs, references[clip])}
                bar.update()
            for (name, path, threads, size) in [j for j in jobs if j[0] == label]:
                run, dtype = engines.callable(path, threads)
                ms = frame_ms(run, dtype, num_frame, SIZES[size], args.repeats)
                entry['speed'][f'{path}|{threads}|{size}'] = ms
                bar.update()
        bar.close()
    results['peaks'] = {t: cpu_peaks(t)[0] for t in args.threads}
    return results


def markdown(results, threads):
    lines = [f'CPU: {results["cpu"]}; native bf16: {"yes" if results["native_bf16"] else "no (emulated)"}.', '']
    for t, peaks in results['peaks'].items():
        lines.append(f'Peak, {t} thread(s): ' + '; '.join(f'{k} {v["macs_per_s"] / 1e9:.0f} G MAC/s ({v["how"]})'
                                                          for k, v in peaks.items()))
    for label, entry in results['networks'].items():
        lines += ['', f'### {label} ({entry["params_m"]:.2f} M parameters, {entry["gmacs_180x120"]:.1f} G MACs per '
                  f'180x120 frame; {entry["checkpoint"]})', '',
                  '| path | threads | ' + ' | '.join(f'{s} ms/frame' for s in SIZES) + ' | 180x120 G MAC/s | '
                  'of peak | speed-up vs torch fp32 |', '|---|---:|' + '---:|' * (len(SIZES) + 3)]
        base = {t: entry['speed'].get(f'torch fp32|{t}|180x120') for t in threads}
        for path in [p for p in PATHS if any(k.startswith(p + '|') for k in entry['speed'])]:
            for t in threads:
                cells = [entry['speed'].get(f'{path}|{t}|{s}') for s in SIZES]
                ms = cells[0]
                rate = entry['gmacs_180x120'] / (ms / 1e3) if ms else None
                peak = results['peaks'][t][path.split()[1]]['macs_per_s'] / 1e9
                lines.append(f'| {path} | {t} | ' + ' | '.join(f'{c:.0f}' if c else 'not run' for c in cells)
                             + f' | {rate:.1f} | {100 * rate / peak:.0f}% | {base[t] / ms:.2f}x |')
        lines += ['', '| path | ' + ' | '.join(f'{c} Y PSNR / SSIM vs GT | vs torch fp32' for c in CLIPS) + ' |',
                  '|---|' + '---:|---:|' * len(CLIPS)]
        for path, clips in entry['quality'].items():
            lines.append(f'| {path} | ' + ' | '.join(
                f'{q["gt"]["psnr"]:.3f} / {q["gt"]["ssim"]:.4f} | {q["vs_torch_fp32"]["psnr"]:.2f} dB'
                for q in clips.values()) + ' |')
        q8 = entry['int8']
        lines += ['', f'INT8: {q8["quantised_convs"]} convolutions quantised, kept in float: '
                  f'{", ".join(q8["kept_float"]) or "none"}; ONNX Runtime INT8 node time by operator '
                  f'(180x120, {max(threads)} threads): '
                  + ', '.join(f'{op} {share}%' for op, share in entry['profile_int8'].items())]
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    results = measure(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / 'bench_deploy.json').write_text(json.dumps(results, indent=1))
    (out / 'bench_deploy.md').write_text(markdown(results, args.threads))
    print(markdown(results, args.threads))


if __name__ == '__main__':
    main()
