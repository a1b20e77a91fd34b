"""What a user watches to see that distillation still carries signal.

- Gradient shares: of the gradient that reaches the student's F^SR, the
  fraction each loss term sends (norm of that term's gradient over the sum of
  the norms). A term whose share falls towards zero has stopped teaching,
  whatever its loss value says: the paper's jointly trained ConvLSTM lowered
  L_TD 100x in 60 iterations while TD's share fell 19x (measured).
- ConvLSTM input sensitivity: how much the final memory cell moves per unit
  change of its input sequence, around the teacher's features. A ConvLSTM
  that learned to ignore its input (the collapse above: 2.2e-2 -> 1.2e-5)
  shows it here long before the 1e-8 guard fires.
- Its memory: each frame's share of that sensitivity (frame_shares). L_TD
  compares final cells, so a ConvLSTM whose final cell hardly moves with the
  clip's first frames compares only the last ones.
"""
import torch


def gradient_shares(terms, feat):
    """{name: share} of the gradient at `feat` sent by each loss in `terms`
    ({name: scalar loss}); the graph is kept for the real backward."""
    norms = gradient_norms(terms, feat)
    total = sum(norms.values()) or 1.0
    return {name: norm / total for name, norm in norms.items()}


def gradient_norms(terms, feat):
    """{name: L2 norm of d(loss)/d(feat)} for each loss in `terms`."""
    norms = {}
    for name, loss in terms.items():
        grad = None
        if loss.requires_grad:  # a term that does not depend on anything trainable sends nothing
            grad, = torch.autograd.grad(loss, feat, retain_graph=True, allow_unused=True)
        norms[name] = 0.0 if grad is None else grad.float().norm().item()
    return norms


@torch.no_grad()
def input_sensitivity(lstm, seq, relative_step=1e-2, seed=0):
    """RMS change of lstm's final cell over RMS change of its input, for a random
    perturbation of `relative_step` times the input's RMS. `seq`: (B, N, C, H, W)
    as the ConvLSTM reads it. A private generator leaves the training's random
    streams untouched (a resumed run must draw the same numbers)."""
    gen = torch.Generator(device=seq.device).manual_seed(seed)
    noise = torch.randn(seq.shape, generator=gen, device=seq.device, dtype=seq.dtype)
    delta = noise * (relative_step * seq.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt())
    _, cells = lstm(seq, seq + delta)
    cell, moved = cells.chunk(2, dim=0)
    return ((moved - cell).pow(2).mean().sqrt() / delta.pow(2).mean().sqrt().clamp_min(1e-12)).item()


@torch.no_grad()
def frame_shares(lstm, seq, relative_step=1e-2, seed=0):
    """[share of frame t] of the final cell's response: the RMS change of the
    final cell when frame t alone is perturbed (as in input_sensitivity), over
    the sum of those changes for all frames. One batched forward of N+1
    sequences; a private generator, as above."""
    gen = torch.Generator(device=seq.device).manual_seed(seed)
    n = seq.shape[1]
    noise = torch.randn(seq[:, 0].shape, generator=gen, device=seq.device, dtype=seq.dtype)
    delta = noise * (relative_step * seq.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt())
    moved = []
    for t in range(n):
        one = seq.clone()
        one[:, t] += delta
        moved.append(one)
    _, cells = lstm(seq, *moved)
    cell, *others = cells.chunk(n + 1, dim=0)
    changes = torch.stack([(other - cell).pow(2).mean().sqrt() for other in others])
    return (changes / changes.sum().clamp_min(1e-30)).tolist()
