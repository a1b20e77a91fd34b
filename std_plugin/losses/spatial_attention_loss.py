"""Space distillation loss L_SD (STD): distance between the spatial attention
maps of the student's and the teacher's F^SR, averaged over the N frames."""
import torch.nn.functional as F
from torch import nn

from basicsr.utils.registry import LOSS_REGISTRY
from std_plugin.distill.attention_maps import attention_map, check_options
from std_plugin.training.option_schema import DISTANCES as DISTANCE_NAMES, check_choice

DISTANCES = {'l2': F.mse_loss, 'l1': F.l1_loss}


def check_distance(distance):
    return DISTANCES[check_choice('distance', distance, DISTANCE_NAMES)]


@LOSS_REGISTRY.register()
class SpatialAttentionLoss(nn.Module):
    """loss_weight * mean_t D(M(F_S,t), M(F_T,t)).

    Args:
        mapping: 'sum' | 'sum_sq' (STD's M_sum^2) | 'max_sq'.
        normalize: None (raw maps, as in the paper's notes) | 'l2' (see attention_map).
        distance: 'l2' (mean squared error over pixels and frames) | 'l1'.
    """

    def __init__(self, loss_weight=1.0, mapping='sum_sq', normalize=None, distance='l2'):
        super().__init__()
        self.loss_weight = loss_weight
        self.mapping = mapping
        self.normalize = normalize
        self.distance = check_distance(distance)
        check_options(mapping, normalize)

    def forward(self, feat_s, feat_t):
        """feat_*: (B*N, C_*, H, W), one row per output frame; C_s may differ from C_t."""
        if feat_s.shape[-2:] != feat_t.shape[-2:] or feat_s.shape[0] != feat_t.shape[0]:
            raise ValueError(f'student F^SR {tuple(feat_s.shape)} and teacher F^SR {tuple(feat_t.shape)} '
                             'differ in frames or spatial size')
        map_s = attention_map(feat_s, self.mapping, self.normalize)
        map_t = attention_map(feat_t, self.mapping, self.normalize)
        return self.loss_weight * self.distance(map_s, map_t)

