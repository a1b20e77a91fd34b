"""Time distillation loss L_TD (STD): the ONE shared ConvLSTM runs over the N
F^SR maps of each network in frame order; the final memory cells are compared.

Collapse guard: all-zero ConvLSTM weights make L_TD trivially zero, so once
L_TD falls below `freeze_threshold` the ConvLSTM is frozen for good. Freezing
sets the ConvLSTM's `frozen` buffer (saved with its weights, broadcast by DDP);
the model then drops the ConvLSTM's gradients before each optimizer step, so
Adam skips it. Switching requires_grad off instead would break a DDP reducer
built while the parameters still required gradients.
"""
from torch import nn

from basicsr.utils.registry import LOSS_REGISTRY
from std_plugin.losses.spatial_attention_loss import check_distance
from std_plugin.taps import unwrap


def is_frozen(lstm):
    return bool(unwrap(lstm).frozen)


def freeze(lstm):
    unwrap(lstm).frozen.fill_(True)


def drop_gradients(net):
    for p in net.parameters():
        p.grad = None


@LOSS_REGISTRY.register()
class TemporalMemoryLoss(nn.Module):
    """loss_weight * D(C_S, C_T), C_* = final memory cell of lstm(F_*,1..N).

    Args:
        distance: 'l2' (mean squared error) | 'l1'.
        freeze_threshold: freeze the ConvLSTM once the unweighted loss is below it.
    """

    def __init__(self, loss_weight=1.0, distance='l2', freeze_threshold=1e-8):
        super().__init__()
        self.loss_weight = loss_weight
        self.distance = check_distance(distance)
        self.freeze_threshold = freeze_threshold

    def forward(self, lstm, feats_s, feats_t):
        """feats_*: (B, N, C, H, W) in frame order, C equal to lstm's input width."""
        # One call on both sequences: a DDP-wrapped ConvLSTM must run once per backward.
        # Passed apart, not concatenated: no input gradient is computed for the teacher's.
        _, cells = lstm(feats_s, feats_t)
        cell_s, cell_t = cells.chunk(2, dim=0)
        loss = self.distance(cell_s.float(), cell_t.float())
        if loss.item() < self.freeze_threshold and not is_frozen(lstm):
            freeze(lstm)
        return self.loss_weight * loss
