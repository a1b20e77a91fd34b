"""The trainable part of variational information distillation (VID, Ahn et
al., CVPR 2019) as PISR uses it: for each distilled student feature s, a
Gaussian q(t | s) = N(mu(s), sigma^2) over the teacher's feature t.

mu(s): 1x1 conv, LeakyReLU, 1x1 conv (same width as the feature: PISR's
student and teacher decoder share the architecture).

sigma^2, `variance`:
- 'location' (default, PISR's public code): estimated per location and
  channel from the STUDENT feature by a head like mu's, through softplus,
  sigma^2 = var_scale * softplus(head(s)) + eps (PISR: var_scale 1e-3);
- 'channel' (the original VID): one learned value per channel,
  sigma^2 = softplus(alpha_c) + eps, alpha initialised so that sigma^2 starts
  at `init_var` (VID's 5.0).

Saved and resumed as its own network (`network_vid`, `net_vid_<iter>.pth`),
as the STD model does with its ConvLSTM.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.training.option_schema import VID_VARIANCES, check_choice


def head(ch, hidden):
    return nn.Sequential(nn.Conv2d(ch, hidden, 1), nn.LeakyReLU(0.1, inplace=True), nn.Conv2d(hidden, ch, 1))


def inverse_softplus(y):
    return math.log(math.expm1(y))


@ARCH_REGISTRY.register()
class VIDRegressor(nn.Module):
    """channels: the channel count of each distilled feature (filled in by the
    model from the student's features when not given)."""

    def __init__(self, channels, hidden=None, variance='location', var_scale=1e-3, init_var=5.0, eps=1e-6):
        super().__init__()
        check_choice('VIDRegressor variance', variance, VID_VARIANCES)
        channels = [channels] if isinstance(channels, int) else list(channels)
        self.variance, self.var_scale, self.eps = variance, var_scale, eps
        self.mean = nn.ModuleList(head(c, hidden or c) for c in channels)
        if variance == 'location':
            self.var = nn.ModuleList(head(c, hidden or c) for c in channels)
        else:
            self.alpha = nn.ParameterList(nn.Parameter(torch.full((c, 1, 1), inverse_softplus(init_var - eps)))
                                          for c in channels)

    def forward(self, index, feat):
        """(mu, sigma^2) of q(t | s) for the index-th distilled feature `feat`."""
        mu = self.mean[index](feat)
        if self.variance == 'location':
            var = self.var_scale * F.softplus(self.var[index](feat)) + self.eps
        else:
            var = F.softplus(self.alpha[index]) + self.eps
        return mu, var
