"""argparse types shared by the console scripts: each turns one flag's text into
its value, or into argparse's one-line usage error naming the flag."""
import argparse


def positive(text):
    """An integer >= 1, or argparse's one-line usage error naming the flag."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'{text} is not a positive integer')
    return value


def size_wxh(text):
    """'WxH' -> (W, H), two positive integers (width first, as in 1280x720)."""
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected WxH such as 256x256, got {text!r}') from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f'width and height must be positive, got {text!r}')
    return w, h


def device_name(text):
    """'auto' (the default) -> cuda when available, else cpu; otherwise a torch
    device string of cpu or cuda[:N] on a machine that has it."""
    import torch  # here: --help needs no torch
    if text == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    try:
        device = torch.device(text)
    except RuntimeError:
        device = None
    if device is None or device.type not in ('cpu', 'cuda'):
        raise argparse.ArgumentTypeError(f'{text!r}: expected cpu, cuda or cuda:N')
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f'{text}: CUDA is not available on this machine (use --device cpu)')
    return text
