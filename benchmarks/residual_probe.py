"""Has a student started learning? Every STD network adds its residual to the
PyTorch bicubic upsampling of its centre frame, so a student whose residual is
near zero scores exactly bicubic. This prints, on one clip of LR/GT frames, the
RMS of the student's residual against the RMS of the residual the GT needs, and
their correlation (docs/demo_history.md, "Why the demo starts from a warm student").

    python benchmarks/residual_probe.py -opt std_plugin/demo/options/demo_std.yml \\
        --ckpt experiments/<run>/models/net_g_latest.pth --lq datasets/demo/val/BINx4/bikes \\
        --gt datasets/demo/val/GT/bikes
"""
import argparse

import cv2
import numpy as np
import torch
import yaml

import std_plugin  # noqa: F401
from basicsr.archs import build_network
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.core.frame_files import list_frames


def read_frames(folder):
    files = list_frames(folder)
    return torch.from_numpy(np.stack([cv2.imread(str(f))[:, :, ::-1] for f in files]).copy()) \
        .permute(0, 3, 1, 2).float().div(255)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('-opt', required=True, help="option file whose network_g is the student")
    p.add_argument('--ckpt', required=True)
    p.add_argument('--lq', required=True, help='folder of LR frames of one clip')
    p.add_argument('--gt', required=True, help='folder of the matching GT frames')
    args = p.parse_args()
    opt = yaml.safe_load(open(args.opt))
    net = build_network(opt['network_g']).eval()
    net.load_state_dict(torch.load(args.ckpt, weights_only=True)['params'])
    lq, gt = read_frames(args.lq), read_frames(args.gt)
    n, half = opt['network_g']['num_frame'], opt['network_g']['num_frame'] // 2
    centre = len(lq) // 2  # one full window in the middle of the clip
    with torch.no_grad():
        out = net(lq[centre - half:centre + half + 1].unsqueeze(0))[0]
        skip = bicubic_upsample(lq[centre:centre + 1], opt['scale'])[0]
    res, need = (out - skip).flatten(), (gt[centre] - skip).flatten()
    corr = torch.corrcoef(torch.stack([res, need]))[0, 1].item()
    print(f'window of {n} frames centred on frame {centre}: residual RMS {res.pow(2).mean().sqrt():.4f}, '
          f'needed {need.pow(2).mean().sqrt():.4f}, correlation {corr:+.3f}')


if __name__ == '__main__':
    main()
