"""VESPCN's motion compensation (Caballero et al., CVPR 2017): a two-scale
spatial transformer that warps a neighbouring frame onto the reference frame.
The layers, as the paper tabulates them:

Coarse flow, from (reference, neighbour), at 1/4 resolution:
    conv k5 n24 s2 ReLU, k3 n24 s1 ReLU, k5 n24 s2 ReLU, k3 n24 s1 ReLU,
    k3 n32 s1 tanh, sub-pixel x4 -> 2-channel flow at frame resolution.
Fine flow, from (reference, neighbour, coarse flow, neighbour warped by it),
at 1/2 resolution:
    conv k5 n24 s2 ReLU, 3 x (k3 n24 s1 ReLU), k3 n8 s1 tanh, sub-pixel x2.
Final flow = coarse + fine; the neighbour is warped by bilinear sampling
(grid_sample through BasicSR's flow_warp).

Choices where the paper is silent or does not fit:
- Flow unit: tanh bounds the flow to [-1, 1]; we read that as
  +-`max_flow` LR pixels (default 16, so coarse + fine reach 32 px). Pixels
  rather than the spatial transformer's [-1, 1] image coordinates, because a
  displacement learnt on small training patches must mean the same on full
  frames.
- The coarse flow enters the fine stage in tanh units (before scaling by
  `max_flow`) so all its inputs are O(1).
- Samples that fall outside the frame take the border value (border padding)
  rather than 0, so a warped frame has no black edges.
- RGB frames instead of luminance (the paper estimates motion on Y).
- The last conv of each flow head starts at 1/10 of He init: the warp starts
  close to the identity instead of scrambling the neighbours.
The paper also trains this module with its own loss (warped-frame MSE plus a
Huber penalty on flow gradients). STD's loss has no such term; callers who
want it get the warped frames and flows from `VESPCN.compensate`.
"""
import torch
from torch import nn

from basicsr.archs.arch_util import default_init_weights, flow_warp
from std_plugin.archs.conv_relu import conv_relu


def flow_head(in_ch, kernels, strides, num_feat, upscale):
    """conv-ReLU layers, then a conv to 2 * upscale^2 channels, tanh and
    sub-pixel upscaling back to the input resolution: (B, 2, H, W)."""
    widths = [in_ch] + [num_feat] * len(kernels)
    layers = [conv_relu(c_in, c_out, k, s) for c_in, c_out, k, s in zip(widths, widths[1:], kernels, strides)]
    last = nn.Conv2d(num_feat, 2 * upscale**2, 3, 1, 1)
    default_init_weights(layers)
    default_init_weights(last, scale=0.1)
    return nn.Sequential(*layers, last, nn.Tanh(), nn.PixelShuffle(upscale))


def warp(frame, flow):
    """Sample `frame` at p + flow(p); flow (B, 2, H, W) in pixels, x first."""
    return flow_warp(frame, flow.permute(0, 2, 3, 1), padding_mode='border')


class MotionCompensation(nn.Module):
    """(reference, neighbour) -> (neighbour warped onto reference, flow).

    Frame height and width must be multiples of 4 (two stride-2 levels)."""

    def __init__(self, num_in_ch=3, num_feat=24, max_flow=16.0):
        super().__init__()
        self.max_flow = max_flow
        self.coarse = flow_head(2 * num_in_ch, (5, 3, 5, 3), (2, 1, 2, 1), num_feat, upscale=4)
        self.fine = flow_head(3 * num_in_ch + 2, (5, 3, 3, 3), (2, 1, 1, 1), num_feat, upscale=2)

    def forward(self, ref, nbr):
        pair = torch.cat((ref, nbr), dim=1)
        coarse = self.coarse(pair)
        coarse_warped = warp(nbr, self.max_flow * coarse)
        fine = self.fine(torch.cat((pair, coarse, coarse_warped), dim=1))
        flow = self.max_flow * (coarse + fine)
        return warp(nbr, flow), flow
