"""std-demo: the whole method on real video, on a CPU, in minutes.

    std-demo [--root DIR] [--quick]

1. builds the demo data (datasets_prep/demo.py: Big Buck Bunny septuplets for
   training, the Carphone sequence as the test clip) under DIR/datasets/demo;
2. trains a small EDVR teacher with BasicSR's own EDVRModel;
3. trains the FastDVDnetVSR baseline (student alone) and the STD student
   (SD + TD from the teacher) for the same iterations from the same weights;
4. tests teacher, baseline and STD with BasicSR's test pipeline, upsamples the
   LR clip with MATLAB bicubic, and prints the Y/RGB PSNR/SSIM table;
5. writes crops and attention maps under DIR/results/demo/.
Every step runs the option files of options/demo/ through std_plugin's
train/test entry points (BasicSR's pipelines), as a user would. Steps whose
outputs exist are reused; --fresh reruns them. --quick runs the same path
with a few iterations (a smoke test, not a result).
"""
import argparse
import os.path as osp
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import yaml

import std_plugin  # noqa: F401  (registers the plugin)
from basicsr.archs import build_network
from basicsr.utils.matlab_functions import imresize
from datasets_prep.demo import build_demo_data
from std_plugin import demo_figures
from std_plugin.evaluation import evaluate_methods
from std_plugin.pipeline_runs import run_pipeline, save_initial_weights
from std_plugin.pipeline_runs import write_options as write_options_file
from std_plugin.tools.eval_table import render_markdown, write_table

OPTIONS = Path(__file__).resolve().parents[1] / 'options' / 'demo'
STEPS = ('demo_edvr_teacher', 'demo_baseline', 'demo_std')
TESTS = {'Teacher (EDVR)': 'teacher', 'Baseline': 'baseline', 'STD': 'std'}
CLIP_DIR = 'datasets/demo/test'


def load_options(name, quick):
    with open(OPTIONS / f'{name}.yml') as f:
        opt = yaml.safe_load(f)
    if quick and 'train' in opt:
        opt['train']['total_iter'] = 4
        opt['train']['scheduler']['periods'] = [4]
        opt['logger'].update(print_freq=2, save_checkpoint_freq=4)
    return opt


def write_options(root, name, opt):
    return write_options_file(Path(root, 'demo_options', f'{name}.yml'), opt)


def save_student_init(root, opt):
    """The baseline and the STD student start from these same weights."""
    save_initial_weights(Path(root, opt['path']['pretrain_network_g']), opt['network_g'], opt['manual_seed'])


def train_all(root, quick, fresh):
    for name in STEPS:
        opt = load_options(name, quick)
        if name != 'demo_edvr_teacher':
            save_student_init(root, opt)
        done = Path(root, 'experiments', name, 'models', 'net_g_latest.pth')
        if done.is_file() and not fresh:
            print(f'std-demo: {name} already trained ({done}); --fresh retrains')
            continue
        started = time.time()
        run_pipeline(root, 'train', write_options(root, name, opt))
        print(f'std-demo: {name} trained in {time.time() - started:.0f} s')


def test_all(root):
    for who in TESTS.values():
        run_pipeline(root, 'test', write_options(root, f'test_demo_{who}', load_options(f'test_demo_{who}', False)))


def bicubic_clip(root):
    """MATLAB-bicubic x4 of every LR test frame, in the GT folder layout."""
    lq_root, out_root = Path(root, CLIP_DIR, 'BIx4'), Path(root, 'results', 'demo_bicubic')
    for lq in sorted(lq_root.glob('*/*.png')):
        out = out_root / lq.parent.name / lq.name
        out.parent.mkdir(parents=True, exist_ok=True)
        img = imresize(cv2.imread(str(lq)).astype(np.float32) / 255., 4)
        cv2.imwrite(str(out), (np.clip(img, 0, 1) * 255).round().astype(np.uint8))
    return out_root


def method_dirs(root):
    dirs = {'Bicubic': bicubic_clip(root)}
    for label, who in TESTS.items():
        dirs[label] = Path(root, 'results', f'demo_test_{who}', 'visualization', 'DemoClip')
    return dirs


def figures(root, dirs, out_dir):
    """Crops of the middle test frame and attention maps of its F^SR."""
    gt_frames = sorted(Path(root, CLIP_DIR, 'GT').glob('*/*.png'))
    middle = gt_frames[len(gt_frames) // 2]
    images = {name: cv2.imread(str(sr_frame(d, middle))) for name, d in dirs.items()}
    images['GT'] = cv2.imread(str(middle))
    h, w = images['GT'].shape[:2]
    box = (h // 4, w // 4, h // 2, w // 2)
    cv2.imwrite(str(out_dir / 'crops.png'), demo_figures.crop_strip(images, box))
    cv2.imwrite(str(out_dir / 'attention.png'), demo_figures.attention_strip(attention_maps(root, middle)))


def sr_frame(method_dir, gt_frame):
    """The SR frame for a GT frame: GT's name, or BasicSR's <name>_<suffix>.png."""
    clip = Path(method_dir, gt_frame.parent.name)
    exact = clip / gt_frame.name
    return exact if exact.is_file() else next(clip.glob(f'{gt_frame.stem}_*.png'))


def attention_maps(root, gt_frame):
    lq_dir = Path(root, CLIP_DIR, 'BIx4', gt_frame.parent.name)
    frames = sorted(lq_dir.glob('*.png'))
    centre = [f.name for f in frames].index(gt_frame.name)
    idx = np.clip(np.arange(centre - 3, centre + 4), 0, len(frames) - 1)
    window = torch.from_numpy(np.stack([cv2.imread(str(frames[i]))[:, :, ::-1] for i in idx]).copy())
    window = window.permute(0, 3, 1, 2).float().div(255).unsqueeze(0)
    maps = {}
    for label, who in TESTS.items():
        opt = load_options(f'test_demo_{who}', False)
        net = build_network(opt['network_g'])
        net.load_state_dict(torch.load(Path(root, opt['path']['pretrain_network_g']), weights_only=True)['params'])
        maps[label] = demo_figures.fsr_attention(net, 'conv_hr', window)
    return maps


def parse_args(argv):
    p = argparse.ArgumentParser(description='Space-Time Distillation demo on real video (CPU, minutes).')
    p.add_argument('--root', default='.', help='working folder: datasets/, experiments/, results/ go here')
    p.add_argument('--quick', action='store_true', help='a few iterations per model: a smoke test of the path')
    p.add_argument('--fresh', action='store_true', help='retrain models whose checkpoints exist')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    root = osp.abspath(args.root)
    started = time.time()
    build_demo_data(osp.join(root, 'datasets', 'demo'))
    train_all(root, args.quick, args.fresh or args.quick)
    test_all(root)
    out_dir = Path(root, 'results', 'demo')
    out_dir.mkdir(parents=True, exist_ok=True)
    dirs = method_dirs(root)
    table = evaluate_methods({k: str(v) for k, v in dirs.items()}, str(Path(root, CLIP_DIR, 'GT')), dataset='Demo')
    print(render_markdown(table))
    written = write_table(table, out_dir)
    figures(root, dirs, out_dir)
    print(f'std-demo: done in {time.time() - started:.0f} s; wrote {", ".join(written)}, '
          f'{out_dir / "crops.png"}, {out_dir / "attention.png"}')


if __name__ == '__main__':
    main()
