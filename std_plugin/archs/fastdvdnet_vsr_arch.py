"""FastDVDnet (Tassano et al., CVPR 2020) adapted to x4 video super-resolution,
as in the STD supplement (Sec. 2, Fig. 1).

Seven frames I[t-3:t+3]. The triplets (t-3, t, t+3), (t-2, t, t+2), (t-1, t, t+1)
go through ONE stage-1 DenBlock (weights shared, run as one batched call); the
three feature maps are concatenated into a stage-2 DenBlock; its LR feature is
upsampled with pixel-shuffle; `conv_hr` gives F^SR (64 ch at HR resolution, the
same place and width as BasicSR EDVR's `conv_hr`); `conv_last` maps to RGB and
the result is added to the bicubic upsampling of the centre frame.

Choices where the supplement is silent (see README):
- DenBlock widths are FastDVDnet's (30 per frame, then 32/64/128) with its
  BatchNorm, U-Net skips (x1 + x2, x0 + x1) and no noise map.
- Stage-1 outputs `branch_ch` (32) feature channels per triplet instead of an
  RGB image: the supplement says the branches output feature maps.
- Reconstruction mirrors EDVR's (upconv x2, x2, conv_hr, conv_last, LeakyReLU
  0.1) so that F^SR of student and teacher are comparable feature for feature.
- More frames: num_frame = 2k+1 uses k triplets (t-d, t, t+d), d = k..1.
- batch_norm=False drops the DenBlocks' BatchNorm (biased convs instead): no
  train/eval statistics gap; measured, the small demo student then reaches
  its early plateau in 100 iterations instead of 200 (README, demo).
"""
import functools

import torch
from torch import nn

from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.archs.scale_steps import scale_steps


def conv_bn_relu(in_ch, out_ch, stride=1, groups=1, bn=True):
    conv = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, groups=groups, bias=not bn)
    return [conv, nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True)] if bn else [conv, nn.ReLU(inplace=True)]


class DenBlock(nn.Module):
    """FastDVDnet's U-Net block on `num_in` inputs of `in_ch` channels each."""

    def __init__(self, num_in, in_ch, out_ch, interm_ch=30, widths=(32, 64, 128), bn=True):
        super().__init__()
        c0, c1, c2 = widths
        cbr = functools.partial(conv_bn_relu, bn=bn)
        # The grouped first conv keeps the inputs apart (one group per frame), as in FastDVDnet.
        self.inc = nn.Sequential(*cbr(num_in * in_ch, num_in * interm_ch, groups=num_in),
                                 *cbr(num_in * interm_ch, c0))
        self.downc0 = nn.Sequential(*cbr(c0, c1, stride=2), *cbr(c1, c1), *cbr(c1, c1))
        self.downc1 = nn.Sequential(*cbr(c1, c2, stride=2), *cbr(c2, c2), *cbr(c2, c2))
        self.upc2 = nn.Sequential(*cbr(c2, c2), *cbr(c2, c2),
                                  nn.Conv2d(c2, c1 * 4, 3, padding=1, bias=False), nn.PixelShuffle(2))
        self.upc1 = nn.Sequential(*cbr(c1, c1), *cbr(c1, c1),
                                  nn.Conv2d(c1, c0 * 4, 3, padding=1, bias=False), nn.PixelShuffle(2))
        self.outc = nn.Sequential(*cbr(c0, c0), nn.Conv2d(c0, out_ch, 3, padding=1, bias=False))

    def forward(self, x):
        x0 = self.inc(x)
        x1 = self.downc0(x0)
        x2 = self.upc2(self.downc1(x1))
        x1 = self.upc1(x1 + x2)
        return self.outc(x0 + x1)


@ARCH_REGISTRY.register()
class FastDVDnetVSR(nn.Module):
    """Input (B, num_frame, C, h, w); output (B, C, scale*h, scale*w).

    h and w must be multiples of 4 (two stride-2 levels in the DenBlocks)."""

    fsr_layer = 'conv_hr'

    def __init__(self, num_in_ch=3, num_out_ch=3, num_frame=7, scale=4, num_feat=64, branch_ch=32,
                 interm_ch=30, widths=(32, 64, 128), batch_norm=True):
        super().__init__()
        if num_frame < 3 or num_frame % 2 != 1:
            raise ValueError(f'FastDVDnetVSR needs an odd num_frame >= 3, got {num_frame}')
        self.num_frame = num_frame
        self.scale = scale
        self.num_branch = num_frame // 2
        self.stage1 = DenBlock(3, num_in_ch, branch_ch, interm_ch, widths, batch_norm)
        self.stage2 = DenBlock(self.num_branch, branch_ch, num_feat, interm_ch, widths, batch_norm)
        ups = []
        for step in scale_steps(scale, 'FastDVDnetVSR'):
            ups += [nn.Conv2d(num_feat, num_feat * step * step, 3, padding=1), nn.PixelShuffle(step),
                    nn.LeakyReLU(0.1, inplace=True)]
        self.upsample = nn.Sequential(*ups)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, padding=1)
        self.lrelu = nn.LeakyReLU(0.1, inplace=True)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, padding=1)

    def triplets(self, x):
        """(B, T, C, h, w) -> (k*B, 3C, h, w): triplets (t-d, t, t+d) for d = k..1,
        stacked along the batch so the shared stage-1 block runs once."""
        b, _, c, h, w = x.shape
        t = self.num_branch
        trip = [torch.stack((x[:, t - d], x[:, t], x[:, t + d]), dim=1) for d in range(self.num_branch, 0, -1)]
        return torch.cat(trip, dim=0).reshape(self.num_branch * b, 3 * c, h, w)

    def forward(self, x):
        b, t, _, h, w = x.shape
        if t != self.num_frame:
            raise ValueError(f'FastDVDnetVSR built for {self.num_frame} frames got {t}')
        feats = self.stage1(self.triplets(x))
        # (k*B, C, h, w) -> (B, k*C, h, w), branch order d = k..1 kept in the channels.
        feats = feats.reshape(self.num_branch, b, -1, h, w).transpose(0, 1).reshape(b, -1, h, w)
        feat = self.upsample(self.stage2(feats))
        out = self.conv_last(self.lrelu(self.conv_hr(feat)))
        return out + bicubic_upsample(x[:, self.num_branch], self.scale)
