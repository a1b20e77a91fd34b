"""One tiny forward before training: the shapes a network's output and a
tapped feature have, so that the scale and the F^SR sizes are checked, and
the adapter and regressors sized, before any training step."""
import torch

from std_plugin.core.taps import FeatureTap
from std_plugin.core.errors import OptionError


def probe(net, path, window, device, size=16):
    """(output shape, shape of the feature at module `path`) for one zero
    window of `size` x `size` LR frames, in eval mode so that BatchNorm
    statistics are untouched."""
    was_training = net.training
    with FeatureTap(net, path) as tap, torch.no_grad():
        net.eval()
        out = net(torch.zeros(1, window, 3, size, size, device=device))
        feat = tap.take()
    net.train(was_training)
    return out.shape, feat.shape


def check_probes(opt, shapes_s, shapes_t, size=16):
    """Both networks upscale by `scale` and their F^SR maps have one size."""
    (out_s, feat_s), (out_t, feat_t) = shapes_s, shapes_t
    hr = opt['scale'] * size
    for key, out in (('network_g', out_s), ('network_t', out_t)):
        if tuple(out[-2:]) != (hr, hr):
            raise OptionError(f'{key} turns {size}x{size} into {out[-2]}x{out[-1]}, not x{opt["scale"]} (scale)')
    if feat_s[-2:] != feat_t[-2:]:
        raise OptionError(f'F^SR sizes differ: distill.student_layer gives {tuple(feat_s[1:])}, '
                          f'distill.teacher_layer gives {tuple(feat_t[1:])} (C, H, W) for the same input')
