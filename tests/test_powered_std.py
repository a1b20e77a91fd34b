"""benchmarks/powered_std.py: the paired gains of the pooled endpoint at every
validated iteration, against values computed by hand."""
import importlib.util
import os.path as osp

import pytest
from scipy import stats

from tests.conftest import REPO


def powered():
    spec = importlib.util.spec_from_file_location('powered_std', osp.join(REPO, 'benchmarks', 'powered_std.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record(dataset, iteration, clips):
    return {'iter': iteration, 'dataset': dataset, 'clips': {c: {'psnr': v} for c, v in clips.items()}}


def history(a_clip1, a_clip2, b):
    """Two val sets: A with two clips, B with one; iterations 100 and 200 (200 = 100 + 1 dB everywhere)."""
    return {'A': {it: record('A', it, {'c1': a_clip1 + d, 'c2': a_clip2 + d}) for it, d in ((100, 0), (200, 1))},
            'B': {it: record('B', it, {'c3': b + d}) for it, d in ((100, 0), (200, 1))}}


def test_gains_by_iteration_pool_every_clip_then_pair_seeds():
    mod = powered()
    # per seed, each arm's clip values; pooled value = mean of the three clips
    values = {'baseline': [(30, 27, 24), (31, 28, 24)],
              'sd': [(30.3, 27, 24), (31, 28.3, 24.3)],
              'std': [(30.6, 27.3, 24), (31.6, 28.3, 24.6)]}
    hist = {arm: {s: history(*v) for s, v in enumerate(per_seed)} for arm, per_seed in values.items()}
    out = mod.gains_by_iteration(hist, [0, 1], ['A', 'B'])
    assert sorted(out) == [100, 200]
    pooled = {arm: [sum(v) / 3 for v in per_seed] for arm, per_seed in values.items()}
    for iteration in (100, 200):  # +1 dB on every clip of every arm leaves every gain unchanged
        for label, (a, b) in {'std - baseline': ('std', 'baseline'), 'std - sd': ('std', 'sd'),
                              'sd - baseline': ('sd', 'baseline')}.items():
            gains = [x - y for x, y in zip(pooled[a], pooled[b])]
            cell = out[iteration][label]
            assert cell.n == 2 and cell.mean == pytest.approx(sum(gains) / 2)
            assert cell.p == pytest.approx(stats.ttest_rel(pooled[a], pooled[b]).pvalue)
    assert out[100]['std - baseline'].mean == pytest.approx((0.3 + 0.5) / 2)  # seed 0: 0.9/3, seed 1: 1.5/3
    assert out[100]['sd - baseline'].values == pytest.approx([0.1, 0.2])
