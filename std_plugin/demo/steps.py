"""std-demo's steps (its command line: command.py): the whole method on real
video, on a CPU, in minutes.

1. builds the demo data (data/prep/demo.py: Big Buck Bunny septuplets for
   training, the bikes clip for validation, the Carphone clip as the test);
2. takes the demo EDVR teacher and the student's warm start shipped with the
   package (trained by `python -m std_plugin.train -opt
   demo/options/demo_edvr_teacher.yml` and `.../demo_student_warmup.yml`, the
   commands --train-teacher and --train-warmup run: ~25 and ~5 min on 2 CPU
   cores, more than the demo's budget together);
3. runs std-compare on demo/options/demo_std.yml: from the warm start, the
   small FastDVDnetVSR baseline (student alone) and the STD student (SD + TD
   from the teacher), validated on the validation and test clips as they train;
4. tests the teacher and the seed-0 students with BasicSR's test pipeline,
   upsamples the LR clip with MATLAB and with PyTorch bicubic (the students'
   skip), and prints the Y/RGB PSNR/SSIM table;
5. writes crops, attention maps and PSNR curves under DIR/results/demo/.
Every step runs option files through std_plugin's train/test entry points
(BasicSR's pipelines), as a user would. Finished steps are reused; --fresh
reruns them. --quick runs the same path with a few iterations (a smoke test,
not a result).
"""
import os.path as osp
import shutil
import time
from importlib.resources import files
from pathlib import Path

import cv2
import numpy as np
import torch
import yaml

import std_plugin  # noqa: F401  (registers the plugin)
from basicsr.archs import build_network
from basicsr.utils.matlab_functions import imresize
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.data.prep.degradations import lr_tag
from std_plugin.data.prep.demo import DEMO_DEGRADATION, SCALE, build_demo_data
from std_plugin.demo import figures as demo_figures
from std_plugin.evaluation.clip_metrics import evaluate_methods
from std_plugin.evaluation.compare_runs import compare_arms
from std_plugin.evaluation.table_format import render_markdown, write_table
from std_plugin.core.frame_files import list_clip_folders, list_frames
from std_plugin.training.pipeline_runs import ignored_folder, run_pipeline
from std_plugin.training.pipeline_runs import write_options as write_options_file

OPTIONS = files('std_plugin.demo') / 'options'  # package data: the demo runs from a wheel too
TEACHER = 'demo_edvr_teacher'
WARMUP = 'demo_student_warmup'
SHIPPED = {name: files('std_plugin.demo') / 'assets' / f'{name}.pth' for name in (TEACHER, WARMUP)}
SHIPPED_TEACHER = SHIPPED[TEACHER]
STUDENTS = 'demo_std'
TESTS = {'Teacher (EDVR)': 'teacher', 'Baseline (seed 0)': 'baseline', 'STD (seed 0)': 'std'}
QUICK_ITERS = 4
CLIP_DIR = 'datasets/demo/test'
LR_DIR = lr_tag(DEMO_DEGRADATION, SCALE)  # BINx4


def load_options(name, quick=False):
    with open(OPTIONS / f'{name}.yml') as f:
        opt = yaml.safe_load(f)
    if quick and 'train' in opt:
        opt['train']['total_iter'] = QUICK_ITERS
        opt['train']['scheduler']['periods'] = [QUICK_ITERS]
        opt['logger'].update(print_freq=2, save_checkpoint_freq=QUICK_ITERS)
        if 'val' in opt:
            opt['val']['val_freq'] = QUICK_ITERS  # one validation, at the end: all std-compare needs
    return opt


def write_options(root, name, opt):
    return write_options_file(ignored_folder(Path(root, 'demo_options')) / f'{name}.yml', opt)


def prepare_checkpoint(root, name, train, quick, fresh):
    """The checkpoint of experiments/<name> where demo_std.yml reads it: the one
    shipped with the package, or trained here by demo/options/<name>.yml
    (--train-teacher / --train-warmup; --quick trains a few iterations)."""
    ckpt = Path(root, 'experiments', name, 'models', 'net_g_latest.pth')
    if ckpt.is_file() and not fresh:
        print(f'std-demo: {ckpt} exists; --fresh replaces it')
    elif train or quick:
        started = time.time()
        run_pipeline(root, 'train', write_options(root, name, load_options(name, quick)))
        print(f'std-demo: {name} trained in {time.time() - started:.0f} s')
    else:
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHIPPED[name], ckpt)
        print(f'std-demo: using the shipped {SHIPPED[name]} (it was trained by {OPTIONS / (name + ".yml")})')


def compare_students(root, seeds, quick, fresh, jobs=1):
    """std-compare's baseline and STD arms over `seeds` seeds; its table and
    curves go to results/demo."""
    option_file = write_options(root, STUDENTS, load_options(STUDENTS, quick))
    started = time.time()
    compare_arms(option_file, ('baseline', 'std'), range(seeds), root=root, out=str(Path(root, 'results', 'demo')),
                 fresh=fresh, jobs=jobs)
    print(f'std-demo: students compared in {time.time() - started:.0f} s')


def test_all(root):
    for who in TESTS.values():
        run_pipeline(root, 'test', write_options(root, f'test_demo_{who}', load_options(f'test_demo_{who}', False)))


def matlab_bicubic(img):
    return imresize(img, 4)


def torch_bicubic(img):
    """The students' own skip (archs/bicubic_residual.py): what a student scores before it learns."""
    x = torch.from_numpy(img.transpose(2, 0, 1).copy()).unsqueeze(0)
    return bicubic_upsample(x, 4)[0].numpy().transpose(1, 2, 0)


def clip_frames(root):
    """Every frame of every clip folder of root, clip by clip."""
    return [frame for clip in list_clip_folders(root) for frame in list_frames(clip)]


def bicubic_clip(root, name, upsample):
    """x4 of every LR test frame by upsample, in the GT folder layout."""
    lq_root, out_root = Path(root, CLIP_DIR, LR_DIR), Path(root, 'results', name)
    for lq in clip_frames(lq_root):
        out = out_root / lq.parent.name / lq.name
        out.parent.mkdir(parents=True, exist_ok=True)
        img = upsample(cv2.imread(str(lq)).astype(np.float32) / 255.)
        cv2.imwrite(str(out), (np.clip(img, 0, 1) * 255).round().astype(np.uint8))
    return out_root


def method_dirs(root):
    dirs = {'Bicubic (MATLAB)': bicubic_clip(root, 'demo_bicubic', matlab_bicubic),
            "Bicubic (PyTorch: the students' skip)": bicubic_clip(root, 'demo_bicubic_torch', torch_bicubic)}
    for label, who in TESTS.items():
        dirs[label] = Path(root, 'results', f'demo_test_{who}', 'visualization', 'DemoClip')
    return dirs


def figures(root, dirs, out_dir):
    """Crops of the middle test frame and attention maps of its F^SR."""
    gt_frames = clip_frames(Path(root, CLIP_DIR, 'GT'))
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
    lq_dir = Path(root, CLIP_DIR, LR_DIR, gt_frame.parent.name)
    frames = list_frames(lq_dir)
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


def run(root='.', *, quick=False, fresh=False, seeds=3, jobs=2, train_teacher=False, train_warmup=False):
    """Every step, under the working folder `root` (std-demo's flags as arguments)."""
    root = osp.abspath(root)
    started = time.time()
    fresh = fresh or quick
    build_demo_data(osp.join(root, 'datasets', 'demo'))
    prepare_checkpoint(root, TEACHER, train_teacher, quick, fresh)
    prepare_checkpoint(root, WARMUP, train_warmup, quick, fresh)
    compare_students(root, seeds, quick, fresh, jobs)
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

