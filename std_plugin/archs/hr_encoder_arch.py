"""PISR's teacher encoder (Lee et al., ECCV 2020): it sees the HR frames (the
privileged information) and turns each into an LR-sized code that the decoder
reads in place of the LR frame; the imitation loss keeps the code close to the
real LR frame, so that the decoder, the student's exact architecture, learns
on inputs like the student's.

Strided convolutions downsample by the scale (x4: two stride-2 convs, x2: one,
x3: one stride-3 conv), then `num_conv` 3x3 convs at LR, then a conv to RGB.
`residual` (our default, not in the paper) adds the box-filtered HR frame
(average over each scale x scale block) to that output: the code then starts
next to an LR image, and the convs learn what the box filter misses.
"""
import torch.nn.functional as F
from torch import nn

from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.scale_steps import scale_steps


@ARCH_REGISTRY.register()
class HREncoder(nn.Module):
    """Input (..., C, H, W) HR frames; output (..., C, H/scale, W/scale)."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=32, num_conv=2, scale=4, residual=True):
        super().__init__()
        self.scale = scale
        self.residual = residual and num_in_ch == num_out_ch
        layers, ch = [], num_in_ch
        for step in scale_steps(scale, 'HREncoder'):
            layers += [nn.Conv2d(ch, num_feat, step + 2, stride=step, padding=1),
                       nn.LeakyReLU(0.1, inplace=True)]
            ch = num_feat
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, padding=1), nn.LeakyReLU(0.1, inplace=True)]
        layers.append(nn.Conv2d(num_feat, num_out_ch, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, hr):
        lead, (c, h, w) = hr.shape[:-3], hr.shape[-3:]
        if h % self.scale or w % self.scale:
            raise ValueError(f'HREncoder (scale {self.scale}) needs HR frames whose sides are multiples of '
                             f'{self.scale}, got {h}x{w}')
        frames = hr.reshape(-1, c, h, w)
        code = self.body(frames)
        if self.residual:
            code = code + F.avg_pool2d(frames, self.scale)
        return code.reshape(*lead, *code.shape[-3:])
