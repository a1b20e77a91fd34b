"""PISR's imitation loss: the teacher encoder's LR-sized code against the real
LR frames (L1 in PISR's public code; `distance: l2` for the squared error)."""
import torch.nn.functional as F
from torch import nn

from basicsr.utils.registry import LOSS_REGISTRY
from std_plugin.core.errors import OptionError
from std_plugin.training.option_schema import DISTANCES as DISTANCE_NAMES, check_choice

DISTANCES = {'l1': F.l1_loss, 'l2': F.mse_loss}


@LOSS_REGISTRY.register()
class ImitationLoss(nn.Module):

    def __init__(self, loss_weight=1.0, distance='l1'):
        super().__init__()
        self.loss_weight = loss_weight
        self.distance = DISTANCES[check_choice('train.imitation_opt.distance', distance, DISTANCE_NAMES)]

    def forward(self, code, lq):
        if code.shape != lq.shape:
            raise OptionError(f'imitation loss: the encoder code is {tuple(code.shape)} but the LR input is '
                              f'{tuple(lq.shape)}; network_g.encoder.scale must be the data\'s scale')
        return self.loss_weight * self.distance(code, lq)
