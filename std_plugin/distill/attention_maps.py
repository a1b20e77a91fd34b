"""Spatial attention maps M: (B, C, H, W) -> (B, H, W) (STD, space distillation).

They are channel-agnostic, so a student and a teacher of different widths
produce maps of the same shape.
"""
import math

from std_plugin.training.option_schema import ATTENTION_MAPPINGS, SD_NORMALIZATIONS, check_choice

MAPPINGS = {
    'sum': lambda f: f.abs().sum(dim=1),
    'sum_sq': lambda f: f.pow(2).sum(dim=1),  # M_sum^2, the one STD uses
    'max_sq': lambda f: f.pow(2).amax(dim=1),
}
NORMALIZATIONS = SD_NORMALIZATIONS


def check_options(mapping, normalize):
    """The option file's values are checked when it is parsed (option_schema); this
    guards direct callers."""
    check_choice('attention mapping', mapping, ATTENTION_MAPPINGS)
    check_choice('attention normalize', normalize, NORMALIZATIONS)


def attention_map(feat, mapping='sum_sq', normalize=None, eps=1e-12):
    """M(feat) in float32 (the squares overflow fp16 for large features).

    normalize='l2' divides each map by its L2 norm over the H*W pixels (as in
    attention transfer, Zagoruyko & Komodakis 2017) and multiplies by sqrt(H*W),
    so the normalised map has unit root-mean-square: a pixel-mean distance
    between two maps then does not depend on the patch size, the channel count
    or the feature magnitude.
    """
    check_options(mapping, normalize)
    amap = MAPPINGS[mapping](feat.float())
    if normalize == 'l2':
        flat = amap.flatten(1)
        norm = flat.norm(dim=1).clamp_min(eps) / math.sqrt(flat.shape[1])
        amap = amap / norm.view(-1, *([1] * (amap.dim() - 1)))
    return amap
