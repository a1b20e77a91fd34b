"""Time distillation loss L_TD (STD): the ONE shared ConvLSTM runs over the N
F^SR maps of each network in frame order; the final memory cells are compared.

Inputs are scaled by the teacher's F^SR root-mean-square (`normalize:
teacher`, the default): measured, an EDVR teacher's F^SR has RMS ~0.01, so an
unscaled ConvLSTM's gates see almost nothing but their biases and its final
cell hardly depends on the clip (two different clips gave cells 1% apart).
Both sequences get the SAME factor, so the student must still match the
teacher's features, not just their shape. The factor is a constant of each
clip (no gradient flows through it).

Collapse guard (for a ConvLSTM trained on L_TD, `distill.freeze_lstm: false`,
the paper's option (a)): all-zero ConvLSTM weights make L_TD trivially zero,
so once L_TD falls below `freeze_threshold` the ConvLSTM is frozen for good.
The decision is taken on the loss averaged over all processes, so every rank
freezes at the same iteration and the ConvLSTM copies stay in sync. Freezing
sets the ConvLSTM's `frozen` buffer (saved with its weights, broadcast by DDP);
the model then drops the ConvLSTM's gradients before each optimizer step.
Switching requires_grad off instead would break a DDP reducer built while the
parameters still required gradients.
"""
import torch.distributed as dist
from torch import nn

from basicsr.utils.registry import LOSS_REGISTRY
from std_plugin.distill.temporal_memory import check_normalize, input_scale
from std_plugin.core.ddp import unwrap
from std_plugin.losses.spatial_attention_loss import check_distance


def is_frozen(lstm):
    return bool(unwrap(lstm).frozen)


def freeze(lstm):
    unwrap(lstm).frozen.fill_(True)


def drop_gradients(net):
    for p in net.parameters():
        p.grad = None


def global_mean(value):
    """`value` (a detached scalar tensor) averaged over the processes of a distributed run."""
    if dist.is_available() and dist.is_initialized():
        value = value.clone()
        dist.all_reduce(value)
        value /= dist.get_world_size()
    return value


@LOSS_REGISTRY.register()
class TemporalMemoryLoss(nn.Module):
    """loss_weight * D(C_S, C_T), C_* = final memory cell of lstm(F_*,1..N / s),
    s = RMS of the clip's teacher F_T (normalize='teacher') or 1 (normalize=None).

    Args:
        distance: 'l2' (mean squared error) | 'l1'.
        normalize: 'teacher' | None (the paper's unscaled features).
        freeze_threshold: freeze the ConvLSTM once the unweighted loss (averaged
            over processes) is below it.
    """

    def __init__(self, loss_weight=1.0, distance='l2', normalize='teacher', freeze_threshold=1e-8):
        super().__init__()
        check_normalize(normalize)
        self.loss_weight = loss_weight
        self.distance = check_distance(distance)
        self.normalize = normalize
        self.freeze_threshold = freeze_threshold

    def scale(self, feats_t):
        """What both sequences are divided by (temporal_memory.input_scale)."""
        return input_scale(feats_t, self.normalize)

    def forward(self, lstm, feats_s, feats_t):
        """feats_*: (B, N, C, H, W) in frame order, C equal to lstm's input width."""
        # One call on both sequences: a DDP-wrapped ConvLSTM must run once per backward.
        # Passed apart, not concatenated: no input gradient is computed for the teacher's.
        scale = self.scale(feats_t)
        _, cells = lstm(feats_s.float() / scale, feats_t.float() / scale)
        cell_s, cell_t = cells.chunk(2, dim=0)
        loss = self.distance(cell_s, cell_t)
        if not is_frozen(lstm) and any(p.requires_grad for p in lstm.parameters()):
            if global_mean(loss.detach()).item() < self.freeze_threshold:
                freeze(lstm)
        return self.loss_weight * loss
