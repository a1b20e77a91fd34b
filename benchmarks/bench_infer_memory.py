"""std-infer's peak memory and time per frame, before and after tiles are
written straight into a uint8 output frame (issue 14).

    python benchmarks/bench_infer_memory.py [--size 1920x1080] [--frames 1] [--tile 256] [--overlap 32]

Each path runs in a fresh Python on the same random 7-frame windows with the
default FastDVDnetVSR (random weights: the cost does not depend on them):
  canvas  the former std-infer: the window as float tensors, tiled_forward
          into a float canvas of the whole HR frame, then tensor2img;
  tiles   std-infer now: uint8 frames, each tile converted on its own and its
          HR core quantised into the uint8 output (tiling.tiled_sr_image).
Reported: peak RSS above the baseline after imports, network and input frames
(Linux clear_refs), and seconds per output frame. Both paths give the same
bytes (tests/test_infer_memory.py).
"""
import argparse
import json
import subprocess
import sys

CHILD = r'''
import json, time
import numpy as np, torch
import std_plugin
from basicsr.archs import build_network
from basicsr.utils import img2tensor, tensor2img
from std_plugin.inference.tiling import tiled_forward, tiled_sr_image

def status(field):
    line = next(l for l in open("/proc/self/status") if l.startswith(field + ":"))
    return int(line.split()[1]) // 1024

torch.manual_seed(0)
net = build_network(dict(type="FastDVDnetVSR", num_frame=7, scale=4)).eval()
rng = np.random.default_rng(0)
frames = [rng.integers(0, 256, ({h}, {w}, 3), dtype=np.uint8) for _ in range(7)]
open("/proc/self/clear_refs", "w").write("5")  # reset the peak RSS to the current RSS
base, start = status("VmRSS"), time.perf_counter()
with torch.no_grad():
    for _ in range({frames}):
        if "{mode}" == "canvas":
            window = [img2tensor(f.astype(np.float32) / 255.) for f in frames]
            img = tensor2img(tiled_forward(net, torch.stack(window).unsqueeze(0), {tile}, {overlap})[0])
        else:
            img = tiled_sr_image(net, frames, {tile}, {overlap})
print(json.dumps({{"peak_mb": status("VmHWM") - base, "s_per_frame": (time.perf_counter() - start) / {frames},
                  "shape": list(img.shape)}}))
'''


def measure(mode, w, h, frames, tile, overlap):
    code = CHILD.format(mode=mode, w=w, h=h, frames=frames, tile=tile, overlap=overlap)
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--size', default='1920x1080', help='LR WxH (default 1920x1080)')
    parser.add_argument('--frames', type=int, default=1, help='output frames timed per run (default 1)')
    parser.add_argument('--tile', type=int, nargs='+', default=[256], help='LR tile sizes (0: whole frame)')
    parser.add_argument('--overlap', type=int, default=32)
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.lower().split('x'))
    print(f'LR {w}x{h} -> SR {4 * w}x{4 * h}, FastDVDnetVSR (default widths), 7-frame window, overlap '
          f'{args.overlap}, {args.frames} frame(s) per run')
    print(f'{"tile":>6} {"path":>7} {"peak MB above baseline":>23} {"s/frame":>8}')
    for tile in args.tile:
        for mode in ('canvas', 'tiles'):
            r = measure(mode, w, h, args.frames, tile, args.overlap)
            print(f'{tile or "whole":>6} {mode:>7} {r["peak_mb"]:>23} {r["s_per_frame"]:>8.1f}', flush=True)


if __name__ == '__main__':
    main()
