"""Variational information distillation loss: the Gaussian negative
log-likelihood of the teacher's features under the regressor's q(t | s),

    L_VID = sum over features of 0.5 * mean(log sigma^2 + (t - mu(s))^2 / sigma^2)

(the constant 0.5 * log(2 pi) per element is left out: it moves no weight).
Minimising it trains the student (through mu and sigma^2 of its feature) and
the regressor; where the teacher is unpredictable sigma^2 grows and that
location weighs less."""
import torch
from torch import nn

from basicsr.utils.registry import LOSS_REGISTRY


def gaussian_nll(mu, var, target):
    """0.5 * mean(log var + (target - mu)^2 / var), var broadcast over mu."""
    return 0.5 * (torch.log(var) + (target - mu).pow(2) / var).mean()


@LOSS_REGISTRY.register()
class VIDLoss(nn.Module):

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, regressor, feats_s, feats_t):
        """regressor: VIDRegressor (or DDP of one); feats_s/feats_t: lists of
        matching student/teacher features."""
        total = 0
        for index, (s, t) in enumerate(zip(feats_s, feats_t)):
            mu, var = regressor(index, s)
            total = total + gaussian_nll(mu, var, t.to(mu.dtype))
        return self.loss_weight * total
