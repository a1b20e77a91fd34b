"""Clip <-> sliding windows with replicated borders.

A training clip of N frames gives N outputs: frame t is super-resolved from
the window I[t-k : t+k], and indices outside the clip are clamped to the
border frame (the paper completes border windows by replication).
"""
import torch


def window_indices(num_frames, window, device=None):
    """(num_frames, window) long tensor; row t lists the frames of t's window."""
    if window % 2 != 1 or window < 1:
        raise ValueError(f'window must be a positive odd number of frames, got {window}')
    half = window // 2
    centres = torch.arange(num_frames, device=device).unsqueeze(1)
    offsets = torch.arange(-half, half + 1, device=device).unsqueeze(0)
    return (centres + offsets).clamp_(0, num_frames - 1)


def clip_to_windows(clip, window):
    """(B, N, C, H, W) -> (B*N, window, C, H, W), window t of sample b at row b*N + t."""
    b, n = clip.shape[:2]
    idx = window_indices(n, window, device=clip.device)
    # Advanced indexing gathers all windows in one copy; no Python loop over frames.
    return clip[:, idx].reshape(b * n, window, *clip.shape[2:])


def windows_to_clip(x, batch):
    """(B*N, ...) -> (B, N, ...): undo the flattening of clip_to_windows."""
    return x.reshape(batch, x.shape[0] // batch, *x.shape[1:])
