"""Super-resolve a whole clip, frame by frame, from sliding windows: the loop of
std-infer as a function for Python users.

    frames = open_frames('clip.mp4')
    with FrameSink('sr/', None, 25.0, 'mp4v', overwrite=False) as sink:
        super_resolve_video(net, num_frame, frames, sink, Tiling(tile=128, overlap=84))

`net` is any callable on (B, T, 3, h, w) float windows: a PyTorch network in
eval mode or an OnnxWindowNetwork."""
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from tqdm import tqdm

from std_plugin.core.errors import InputError, NonFiniteOutput
from std_plugin.inference.frame_source import sliding_windows
from std_plugin.inference.tiling import round_up, tiled_sr_image


class NonFiniteFrame(InputError):
    """A frame's output holds NaN/Inf: the run stops before writing it."""

    def __init__(self, name, written, why):
        super().__init__(f'frame {name}: {why}; the network gives no valid result ({written} frames written)')
        self.name, self.written, self.why = name, written, why


@dataclass
class Tiling:
    tile: int = 0             # LR tile size (0: whole frames)
    overlap: int = 32         # LR context around each tile
    multiple: int = 4         # frames padded to a multiple of this
    pad_mode: str = 'replicate'

    def call_size(self, h, w):
        """(h, w) of one network call on an h x w frame: the padded frame, or a tile with its overlap."""
        h, w = round_up(h, self.multiple), round_up(w, self.multiple)
        if not self.tile:
            return h, w
        span = round_up(self.tile, self.multiple) + 2 * round_up(self.overlap, self.multiple)
        return min(h, span), min(w, span)


def frame_loader(frames):
    """load(i) -> (h, w, 3) uint8 BGR frame; all frames must share one size.
    Frames stay uint8 on the CPU: tiles are converted one at a time."""
    size = frames.read(0).shape

    def load(index):
        img = frames.read(index)
        if img.shape != size:
            raise InputError(f'--input: frame {frames.names[index]} is {img.shape[1]}x{img.shape[0]}, '
                             f'the first frame {size[1]}x{size[0]}')
        return img

    return load


@torch.no_grad()
def super_resolve_video(net, num_frame, frames, sink, tiling=Tiling(), device='cpu', precision=nullcontext,
                        progress='std-infer'):
    """Write sink.write(name, SR uint8 BGR frame) for every frame of `frames`
    (open_frames' reader), each from its num_frame window, borders replicated.
    `precision()` is entered around each frame (an autocast context). A NaN/Inf
    output stops the run with NonFiniteFrame (the frame, how many were written)."""
    windows = sliding_windows(len(frames), num_frame, frame_loader(frames))
    for t, window in tqdm(windows, total=len(frames), unit='frame', desc=progress, disable=not progress):
        try:
            with precision():
                img = tiled_sr_image(net, window, tiling.tile, tiling.overlap, tiling.multiple, tiling.pad_mode,
                                     device)
        except NonFiniteOutput as err:
            raise NonFiniteFrame(frames.names[t], t, err) from None
        sink.write(frames.names[t], img)
