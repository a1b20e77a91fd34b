"""VESPCN (Caballero et al., "Real-Time Video Super-Resolution with
Spatio-Temporal Networks and Motion Compensation", CVPR 2017) as a 3-frame
STD student.

As in the paper: every neighbour is warped onto the centre frame by the
two-scale spatial-transformer motion compensation (vespcn_motion.py); the
compensated frames and the centre frame are concatenated in temporal order
(early fusion, the paper's E3 model) and go through an ESPCN: conv-ReLU layers
at LR resolution and a sub-pixel convolution (conv to r^2 * C channels, pixel
shuffle) that upsamples. Everything but the last layer runs at LR resolution.

Departures, and why:
- HR feature stage. ESPCN's sub-pixel layer outputs the image itself, so it
  has no HR feature map, and STD distils F^SR, the HR feature before the last
  conv to RGB. So the sub-pixel conv outputs `num_feat_hr` (32) channels at HR
  (then ReLU) and a 3x3 conv maps them to RGB, the reconstruction pattern of
  the supplement's FastDVDnet ("pixel-shuffle with the convolutional layer").
  32 channels, the width of SRCNN/VSRNet's last hidden layer, keeps that stage
  at about half the network's cost.
- Depth and width: neither the STD supplement nor the material available
  here fixes them (the VESPCN paper compares several depths). Defaults:
  `num_layer` = 9 LR conv layers counting the sub-pixel conv, 3x3 kernels,
  `num_feat` = 64 (ESPCN's first-layer width); both are options.
- Global bicubic residual: the network predicts HR - bicubic(centre) like all
  STD networks (VESPCN predicts the image).
- RGB, not luminance; `num_frame` may be any odd number (the paper's E5 is 5).
- No motion-compensation loss (see vespcn_motion.py).

F^SR is the output of `upsample`: `num_feat_hr` channels at HR, after ReLU.

Cost at 180x120 (x4, 3 frames): about 0.013 T multiply-adds. The STD
supplement lists 0.26 T for its VESPCN, more than VDSR's 20 layers of 64
channels at HR resolution (0.23 T); no network that works at LR resolution
like ESPCN comes near that, so the supplement's VESPCN must differ in a way
it does not describe. We keep to the VESPCN paper.
"""
import torch
from torch import nn

from basicsr.archs.arch_util import default_init_weights
from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.archs.bicubic_residual import bicubic_upsample
from std_plugin.archs.conv_relu import conv_relu_stack
from std_plugin.archs.frame_window import centre_index
from std_plugin.archs.vespcn_motion import MotionCompensation


@ARCH_REGISTRY.register()
class VESPCN(nn.Module):
    """Input (B, num_frame, C, h, w), h and w multiples of 4 (the coarse flow
    works at 1/4 resolution); output (B, C, scale*h, scale*w)."""

    fsr_layer = 'upsample'

    def __init__(self, num_in_ch=3, num_out_ch=3, num_frame=3, num_feat=64, num_layer=9, num_feat_hr=32,
                 num_flow_feat=24, max_flow=16.0, scale=4):
        super().__init__()
        if num_frame < 1 or num_frame % 2 != 1:
            raise ValueError(f'VESPCN needs an odd num_frame, got {num_frame}')
        self.num_frame = num_frame
        self.scale = scale
        self.motion = MotionCompensation(num_in_ch, num_flow_feat, max_flow)
        self.body = conv_relu_stack(num_frame * num_in_ch, num_feat, num_layer - 1)
        self.upsample = nn.Sequential(
            nn.Conv2d(num_feat, num_feat_hr * scale**2, 3, 1, 1), nn.PixelShuffle(scale), nn.ReLU(inplace=True))
        self.conv_last = nn.Conv2d(num_feat_hr, num_out_ch, 3, 1, 1)
        default_init_weights([self.body, self.upsample, self.conv_last])

    def compensate(self, x):
        """(B, T, C, h, w) -> frames with every neighbour warped onto the centre
        (B, T, C, h, w), and the flows (B, T-1, 2, h, w) in LR pixels."""
        centre = centre_index(x, self.num_frame, 'VESPCN')
        if x.size(-1) % 4 or x.size(-2) % 4:
            raise ValueError(f'VESPCN needs LR height and width that are multiples of 4, got {tuple(x.shape[-2:])}')
        b, t, c, h, w = x.shape
        nbr_idx = [i for i in range(t) if i != centre]
        # All neighbours in one batched call: (B*(T-1), C, h, w).
        nbrs = x[:, nbr_idx].reshape(-1, c, h, w)
        refs = x[:, centre:centre + 1].expand(-1, t - 1, -1, -1, -1).reshape(-1, c, h, w)
        warped, flows = self.motion(refs, nbrs)
        warped = warped.view(b, t - 1, c, h, w)
        frames = torch.cat((warped[:, :centre], x[:, centre:centre + 1], warped[:, centre:]), dim=1)
        return frames, flows.view(b, t - 1, 2, h, w)

    def forward(self, x):
        frames, _ = self.compensate(x)
        b, t, c, h, w = frames.shape
        feat = self.upsample(self.body(frames.view(b, t * c, h, w)))
        return self.conv_last(feat) + bicubic_upsample(x[:, t // 2], self.scale)
