"""How the networks reach a scale factor in x2 / x3 steps (pixel-shuffle
upsampling in FastDVDnetVSR, strided downsampling in PISR's HR encoder)."""


def scale_steps(scale, net):
    """[scale] for 2 and 3, [2, 2] for 4; `net` names the network in the error."""
    if scale in (2, 3):
        return [scale]
    if scale == 4:
        return [2, 2]
    raise ValueError(f'{net} supports scale 2, 3 or 4, got {scale}')
