"""std-compare's statistics: n, mean, sample sd, SE, t-based 95% CI and the
paired p-value against hand-computed numbers and scipy.stats; one seed gives
n/a, not a crash; the pooled endpoint over every clip of every validation
dataset, printed first."""
import csv
import math

import pytest
from scipy import stats

from std_plugin.evaluation.compare_pooled import POOLED
from std_plugin.evaluation.compare_stats import REFERENCE, Cell, compare, gain_pairs
from std_plugin.evaluation.compare_table import render_csv, render_markdown

METRICS = dict(psnr=dict(type='calculate_psnr', crop_border=0, test_y_channel=True))
GAINS = [0.1, 0.2, 0.3, 0.0]


def t3_cdf(t):
    """Student's t with 3 degrees of freedom in closed form: 1/2 + (theta + sin theta cos theta) / pi,
    theta = atan(t / sqrt(3))."""
    theta = math.atan(t / math.sqrt(3))
    return 0.5 + (theta + math.sin(theta) * math.cos(theta)) / math.pi


def test_summary_of_four_gains_by_hand():
    cell = Cell(GAINS)
    # mean 0.15; sd = sqrt((0.05^2 + 0.05^2 + 0.15^2 + 0.15^2) / 3) = sqrt(0.05 / 3); SE = sd / 2
    assert cell.n == 4 and cell.mean == pytest.approx(0.15)
    assert cell.std == pytest.approx(math.sqrt(0.05 / 3)) and cell.std == pytest.approx(0.1291, abs=1e-4)
    assert cell.se == pytest.approx(0.06455, abs=1e-5)
    # t(3, 0.975) = 3.1824 (tables); CI 0.15 -/+ 3.1824 * 0.06455
    assert cell.ci == pytest.approx((-0.0554, 0.3554), abs=1e-4)
    assert cell.ci == pytest.approx((0.15 - 3.182446 * cell.se, 0.15 + 3.182446 * cell.se), abs=1e-6)
    # p = 2 (1 - F_3(t)), t = 0.15 / SE = 2.3238
    assert cell.p == pytest.approx(2 * (1 - t3_cdf(0.15 / cell.se)), abs=1e-9)
    assert cell.p == pytest.approx(0.1027, abs=1e-4)


def test_a_gain_is_scipys_paired_test_of_the_two_arms():
    baseline = [28.0, 28.1, 27.9, 28.2]
    std = [b + g for b, g in zip(baseline, GAINS)]
    gain = Cell([s - b for s, b in zip(std, baseline)])
    assert gain.p == pytest.approx(stats.ttest_rel(std, baseline).pvalue, abs=1e-9)
    assert gain.ci == pytest.approx(tuple(stats.ttest_rel(std, baseline).confidence_interval(0.95)), abs=1e-9)
    arm = Cell(baseline)
    assert arm.se == pytest.approx(stats.sem(baseline)) and arm.std == pytest.approx(stats.tstd(baseline))


def test_one_seed_is_n_a_not_a_crash():
    cell = Cell([0.2])
    assert cell.n == 1 and cell.mean == 0.2
    assert all(math.isnan(x) for x in (cell.std, cell.se, *cell.ci, cell.p))
    assert math.isnan(Cell([0.1, 0.1]).p)  # seeds that agree exactly: nothing to test against
    tables = compare(histories({('baseline', 0): (20.0, 22.0, 30.0), ('std', 0): (21.0, 22.0, 30.5)}),
                     ['baseline', 'std'], [0], 4, ['A', 'B'], ['psnr'])
    markdown = render_markdown(tables, METRICS)
    assert '| std - baseline (paired) | 1 | +0.50 | n/a | n/a | n/a | n/a |' in markdown
    assert '| baseline | 1 | 24.00 | n/a | n/a | n/a |  |' in markdown
    gain = next(r for r in csv.DictReader(render_csv(tables).splitlines()) if r['row'] == 'std - baseline')
    assert (gain['n'], gain['std_sample'], gain['se'], gain['ci95_low'], gain['p_paired']) == ('1', '', '', '', '')


def test_gain_pairs():
    assert gain_pairs(['baseline', 'std']) == [('std', 'baseline')]
    assert gain_pairs(['baseline', 'std', 'sd', 'td']) == [
        ('std', 'baseline'), ('sd', 'baseline'), ('td', 'baseline'), ('std', 'sd'), ('std', 'td')]
    assert gain_pairs(['std', 'pisr']) == [('std', 'pisr')]


def histories(values, iteration=4):
    """{arm: {seed: history}} with datasets A (clips a1, a2) and B (clip b1);
    values[(arm, seed)] = (a1, a2, b1) PSNR."""
    out = {}
    for (arm, seed), (a1, a2, b1) in values.items():
        out.setdefault(arm, {})[seed] = {
            'A': {iteration: {'metrics': {'psnr': (a1 + a2) / 2}, 'clips': {'a1': {'psnr': a1}, 'a2': {'psnr': a2}}}},
            'B': {iteration: {'metrics': {'psnr': b1}, 'clips': {'b1': {'psnr': b1}}}}}
    return out


def test_pooled_endpoint_weighs_every_clip_once_and_comes_first():
    values = {('baseline', 0): (20.0, 22.0, 30.0), ('std', 0): (20.3, 22.0, 30.3), ('sd', 0): (20.0, 22.3, 30.0),
              ('baseline', 1): (21.0, 23.0, 31.0), ('std', 1): (21.0, 23.3, 31.0), ('sd', 1): (21.0, 23.0, 31.0),
              ('baseline', 2): (20.0, 21.0, 29.0), ('std', 2): (20.3, 21.3, 29.3), ('sd', 2): (20.0, 21.0, 29.3)}
    arms = ['baseline', 'std', 'sd']
    tables = compare(histories(values), arms, [0, 1, 2], 4, ['A', 'B'], ['psnr'],
                     references={'A': {'psnr': 19.0}, 'B': {'psnr': 28.0}})
    assert [t.dataset for t in tables] == [POOLED, 'A', 'B']
    pooled = {row.label: row.cells['psnr'] for row in tables[0].rows}
    # per seed, the mean over a1, a2, b1 of std - baseline: 0.6 / 3, 0.3 / 3, 0.9 / 3
    assert pooled['std - baseline'].values == pytest.approx([0.2, 0.1, 0.3])
    assert pooled['std - sd'].values == pytest.approx([0.1, 0.1, 0.2])
    assert pooled['sd - baseline'].values == pytest.approx([0.1, 0.0, 0.1])
    assert pooled['baseline'].values == pytest.approx([24.0, 25.0, 70 / 3])
    assert pooled[REFERENCE].values == pytest.approx([(19.0 * 2 + 28.0) / 3])  # weighted by clip count
    # the dataset A alone (the mean of its two clips), for contrast: std - baseline 0.15, 0.15, 0.3
    on_a = {row.label: row.cells['psnr'] for row in tables[1].rows}
    assert on_a['std - baseline'].values == pytest.approx([0.15, 0.15, 0.3])
    gain = pooled['std - baseline']  # mean 0.2, sd 0.1, SE 0.1 / sqrt(3), t(2, 0.975) = 4.3027
    assert gain.ci == pytest.approx((0.2 - 4.302653 * 0.1 / math.sqrt(3), 0.2 + 4.302653 * 0.1 / math.sqrt(3)))
    markdown = render_markdown(tables, METRICS)
    assert markdown.startswith(f'**{POOLED} (fixed before any run): per seed, the mean over all 3 scored clips '
                               '(A 2, B 1)')
    assert '| std - baseline (paired) | 3 | +0.20 | 0.10 | 0.06 | [-0.05, +0.45] | 0.074 |' in markdown
    rows = list(csv.DictReader(render_csv(tables).splitlines()))
    assert rows[0]['dataset'] == POOLED


def test_no_pooled_endpoint_without_clips():
    hist = histories({('baseline', 0): (20.0, 22.0, 30.0), ('std', 0): (21.0, 22.0, 30.5)})
    hist['std'][0]['B'][4]['clips'] = {}  # a history written before clips were recorded
    tables = compare(hist, ['baseline', 'std'], [0], 4, ['A', 'B'], ['psnr'])
    assert [t.dataset for t in tables] == ['A', 'B']
