"""Super-resolve a large LR window tile by tile, so that memory stays bounded
by the tile size instead of the frame size.

The window (B, T, C, h, w) is first padded (replicate or reflect) to the
network's size multiple (FastDVDnetVSR and EDVR downsample by 4). The padded
frame is cut into core tiles of `tile` px; each is run with `overlap` extra
LR px of context on every side (clamped at the frame border), and only the
HR image of its core is kept. Finally the padding is cropped away.

Choosing the overlap. Keeping only the core is exact -- the result equals a
single forward on the whole frame up to float rounding -- when
  1. the network is in eval mode (BatchNorm in train mode mixes all pixels),
  2. tile and overlap are multiples of the size multiple, so each tile sees
     the same stride-2 sampling grid as the whole frame (both are rounded up
     here), and
  3. overlap >= the network's receptive-field radius in LR px: then every
     kept output pixel sees exactly the input it would see in the whole
     frame, and the zero padding at the tile's own border never reaches it.
`receptive_radius` measures 3. FastDVDnetVSR's radius is 81 LR px whatever
its widths (two U-Net stages of about 37 px each, the reconstruction convs and
the bicubic residual), so overlap 84 makes its tiling exact. A smaller
overlap costs less (a tile runs on (tile + 2*overlap)^2 px) and its seams are
usually invisible, because far pixels weigh little, but it is no longer exact.
Networks with data-dependent sampling (EDVR's deformable convolutions) have
no fixed radius: their tiling is never exact.

std-infer uses tiled_sr_image: the same tiles, cut from the uint8 frames and
quantised into a uint8 output frame as they come, so no float copy of the
window or of the HR frame exists (the former float canvas of a 1080p input's
HR frame, and tensor2img's copies of it, took gigabytes whatever the tile).

Cores are cropped rather than blended: outside the core a tile's output has
less context than the neighbouring tile's core, so averaging could only mix
in a worse value.
"""
import numpy as np
import torch
import torch.nn.functional as F

from std_plugin.core.errors import NonFiniteOutput


def round_up(value, multiple):
    return -(-value // multiple) * multiple


def pad_to_multiple(window, multiple, mode='replicate'):
    """Pad (B, T, C, h, w) at the bottom and right to multiples of `multiple`."""
    b, t, c, h, w = window.shape
    pad_h, pad_w = round_up(h, multiple) - h, round_up(w, multiple) - w
    if not (pad_h or pad_w):
        return window
    # F.pad's replicate/reflect modes pad the last two dims of a 4-D tensor.
    flat = F.pad(window.reshape(b * t, c, h, w), (0, pad_w, 0, pad_h), mode=mode)
    return flat.view(b, t, c, h + pad_h, w + pad_w)


def tile_spans(size, tile, overlap):
    """[(start, end, core_start, core_end)]: the cores tile [0, size); each
    run span adds `overlap` on both sides, clamped to the frame."""
    return [(max(core - overlap, 0), min(core + tile + overlap, size), core, min(core + tile, size))
            for core in range(0, size, tile)]


def output_scale(out, lr_h, lr_w):
    if out.dim() != 4 or out.shape[-2] % lr_h or out.shape[-1] // lr_w != out.shape[-2] // lr_h:
        raise ValueError(f'expected an output (B, C, s*{lr_h}, s*{lr_w}) from one LR window, got '
                         f'{tuple(out.shape)}; recurrent networks (BasicVSR) are not window networks')
    return out.shape[-2] // lr_h


def tile_boxes(size_h, size_w, tile, overlap, multiple):
    """(y-span, x-span) pairs, each span as tile_spans gives it, covering a padded
    size_h x size_w frame with `tile`-sized cores (0: one piece)."""
    tile = round_up(tile, multiple) if tile else max(size_h, size_w)
    overlap = round_up(overlap, multiple)
    return [(ys, xs) for ys in tile_spans(size_h, tile, overlap) for xs in tile_spans(size_w, tile, overlap)]


def tiled_forward(net, window, tile=0, overlap=0, multiple=4, pad_mode='replicate'):
    """net(window) for a (B, T, C, h, w) window of any size, computed tile by
    tile (tile=0: in one piece); returns (B, C, s*h, s*w)."""
    h, w = window.shape[-2:]
    padded = pad_to_multiple(window, multiple, pad_mode)
    size_h, size_w = padded.shape[-2:]
    out = None
    for (y0, y1, cy0, cy1), (x0, x1, cx0, cx1) in tile_boxes(size_h, size_w, tile, overlap, multiple):
        sr = net(padded[..., y0:y1, x0:x1])
        s = output_scale(sr, y1 - y0, x1 - x0)
        if out is None:
            out = sr.new_empty(*sr.shape[:2], s * size_h, s * size_w)
        out[..., s * cy0:s * cy1, s * cx0:s * cx1] = sr[..., s * (cy0 - y0):s * (cy1 - y0),
                                                       s * (cx0 - x0):s * (cx1 - x0)]
    return out[..., :s * h, :s * w]


def receptive_radius(net, num_frame, size=256, multiple=4, channels=3):
    """LR px beyond its own position that an output pixel depends on, measured
    by back-propagating a `multiple`-aligned block of outputs in the middle of
    a random `size`^2 window (so every stride phase counts). `net` must be in
    eval mode; raises ValueError when `size` is too small to contain it."""
    x = torch.randn(1, num_frame, channels, size, size, requires_grad=True)
    centre = size // 2 // multiple * multiple
    with torch.enable_grad():
        out = net(x)
        s = output_scale(out, size, size)
        out[..., s * centre:s * (centre + multiple), s * centre:s * (centre + multiple)].sum().backward()
    reached = x.grad.abs().sum(dim=(0, 1, 2)) > 0
    rows = reached.any(dim=1).nonzero().flatten()
    cols = reached.any(dim=0).nonzero().flatten()
    first, last = min(rows[0], cols[0]).item(), max(rows[-1], cols[-1]).item()
    if first == 0 or last == size - 1:
        raise ValueError(f'the receptive field reaches the border of a {size} px window: measure with a larger size')
    return max(centre - first, last - (centre + multiple - 1))


def padded_index(start, end, size, mode):
    """Source indices of padded positions [start, end) of an axis of `size`
    padded at its end: F.pad's replicate (clamp) or reflect (mirror without
    repeating the edge)."""
    index = np.arange(start, end)
    if mode == 'reflect':
        return np.where(index < size, index, 2 * (size - 1) - index)
    return np.minimum(index, size - 1)


def lr_tile(frames, rows, cols, device):
    """(1, T, 3, h, w) float RGB in [0, 1] of one tile of T uint8 BGR frames."""
    tile = np.stack([frame[rows][:, cols] for frame in frames])  # (T, h, w, 3) uint8: small
    tile = torch.from_numpy(tile).to(device).permute(0, 3, 1, 2).flip(1)  # BGR -> RGB
    return tile.float().div_(255.).unsqueeze(0)


def to_uint8_bgr(sr):
    """(3, H, W) float RGB -> (H, W, 3) uint8 BGR, quantised as BasicSR's tensor2img."""
    img = sr.float().clamp(0, 1).mul(255.).round().to(torch.uint8)
    return img.flip(0).permute(1, 2, 0).cpu().numpy()


def tiled_sr_image(net, frames, tile=0, overlap=0, multiple=4, pad_mode='replicate', device='cpu'):
    """The SR image of a window of T uint8 BGR frames (h, w, 3) as an (s*h, s*w, 3)
    uint8 BGR array, computed tile by tile: each tile is cut from the uint8
    frames (padding applied by index), and the HR core of its output is
    quantised straight into the uint8 result. Memory beyond the frames and the
    result is that of one tile, whatever the frame size. Same tiles and the same
    values as tiled_forward followed by tensor2img."""
    h, w = frames[0].shape[:2]
    out = None
    for (y0, y1, cy0, cy1), (x0, x1, cx0, cx1) in tile_boxes(round_up(h, multiple), round_up(w, multiple),
                                                             tile, overlap, multiple):
        rows, cols = padded_index(y0, y1, h, pad_mode), padded_index(x0, x1, w, pad_mode)
        sr = net(lr_tile(frames, rows, cols, device))
        s = output_scale(sr, y1 - y0, x1 - x0)
        if out is None:
            out = np.empty((s * h, s * w, 3), np.uint8)
        # The core, minus what lies in the padding (a core always starts inside the frame).
        ky1, kx1 = min(cy1, h), min(cx1, w)
        core = sr[0, :, s * (cy0 - y0):s * (ky1 - y0), s * (cx0 - x0):s * (kx1 - x0)]
        if not torch.isfinite(core).all():  # uint8 conversion would turn NaN into black silently
            raise NonFiniteOutput(f'the network output holds NaN/Inf (tile at LR y={cy0}, x={cx0})')
        out[s * cy0:s * ky1, s * cx0:s * kx1] = to_uint8_bgr(core)
    return out
