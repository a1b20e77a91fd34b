"""The numbers of a comparison (std-compare), from the validation histories
(val_metrics.jsonl) of its runs: per arm, each metric at the final iteration
over seeds; per paired gain (arm_s - other_s, computed seed by seed, then
summarised, so the spread is that of the gain, not of the seeds): n, mean,
sample sd (n - 1), standard error, the t-based two-sided 95% confidence
interval and (gains only) the paired t-test's p-value against no difference.

    histories = {arm: {seed: read_history(...)}}
    tables = compare(histories, arms, seeds, iteration, datasets, metrics)
"""
import math
from dataclasses import dataclass, field

from scipy import stats

from std_plugin.evaluation.compare_pooled import POOLED, pooled_heading, pooled_reference, pooled_values
from std_plugin.core.errors import StdError

BASELINE = 'baseline'
STD = 'std'
LEVEL = 0.95  # the confidence level of every interval std-compare reports


@dataclass
class Cell:
    """One metric over seeds: the per-seed values (seed order) and their
    summary. With one value nothing but the mean exists: sd, se, ci and p are nan."""
    values: list

    @property
    def n(self):
        return len(self.values)

    @property
    def mean(self):
        return sum(self.values) / len(self.values)

    @property
    def std(self):
        """Sample standard deviation (n - 1); nan with a single seed."""
        if self.n < 2:
            return math.nan
        return math.sqrt(sum((v - self.mean) ** 2 for v in self.values) / (self.n - 1))

    @property
    def se(self):
        """Standard error of the mean: sd / sqrt(n)."""
        return self.std / math.sqrt(self.n)

    @property
    def ci(self):
        """(low, high): mean -/+ t(n - 1, 0.975) * se, Student's t as the seeds are few."""
        if self.n < 2:
            return math.nan, math.nan
        half = stats.t.ppf(0.5 + LEVEL / 2, self.n - 1) * self.se
        return self.mean - half, self.mean + half

    @property
    def p(self):
        """Two-sided p-value of the one-sample t-test of mean 0. On a paired
        gain's per-seed differences it is the paired t-test (scipy's ttest_rel
        of the two arms gives the same). nan when undefined (n < 2, or seeds
        that agree exactly: no spread to test against)."""
        if self.n < 2 or self.std == 0:
            return math.nan
        return float(stats.ttest_1samp(self.values, 0.0).pvalue)


@dataclass
class Row:
    label: str       # the arm, or '<arm> - <other arm>' for a paired gain
    gain: bool
    cells: dict      # metric -> Cell
    reference: bool = False  # one number, not a sample over seeds


@dataclass
class ComparisonTable:
    """One validation dataset (or the pooled endpoint) at one iteration."""
    dataset: str
    iteration: int
    seeds: list
    metrics: list
    rows: list = field(default_factory=list)
    heading: str = ''  # what the table is, when more than the dataset's name


def final_value(history, dataset, iteration, metric, where):
    return final_record(history, dataset, iteration, where)['metrics'][metric]


def final_record(history, dataset, iteration, where):
    records = history.get(dataset) or {}
    if iteration not in records:
        raise StdError(f'{where}: no validation of {dataset} at iteration {iteration} '
                         f'(validated at {sorted(records) or "none"})')
    return records[iteration]


def arm_cells(histories, arm, seeds, dataset, iteration, metrics):
    return {m: Cell([final_value(histories[arm][s], dataset, iteration, m, f'{arm}, seed {s}') for s in seeds])
            for m in metrics}


def gain_cells(cells, base):
    return {m: Cell([a - b for a, b in zip(cells[m].values, base[m].values)]) for m in cells}


def gain_pairs(arms):
    """(arm, other) of every paired gain the tables report: each arm over the
    baseline, then STD over each other distilling arm (STD - SD is what time
    distillation adds, STD - TD what space distillation adds)."""
    pairs = [(arm, BASELINE) for arm in arms if arm != BASELINE] if BASELINE in arms else []
    if STD in arms:
        pairs += [(STD, arm) for arm in arms if arm not in (STD, BASELINE)]
    return pairs


def table_of(cells, arms, dataset, iteration, seeds, metrics, heading=''):
    """A ComparisonTable from {arm: {metric: Cell}}: the arms, then the paired gains."""
    table = ComparisonTable(dataset, iteration, list(seeds), list(metrics), heading=heading)
    table.rows = [Row(arm, False, cells[arm]) for arm in arms]
    table.rows += [Row(f'{arm} - {other}', True, gain_cells(cells[arm], cells[other]))
                   for arm, other in gain_pairs(arms)]
    return table


def compare_dataset(histories, arms, seeds, dataset, iteration, metrics):
    cells = {arm: arm_cells(histories, arm, seeds, dataset, iteration, metrics) for arm in arms}
    return table_of(cells, arms, dataset, iteration, seeds, metrics)


REFERENCE = 'bicubic (PyTorch: the untrained student)'


def reference_row(values, metrics):
    return Row(REFERENCE, False, {m: Cell([values[m]]) for m in metrics}, reference=True)


def pooled_table(histories, arms, seeds, iteration, datasets, metrics, references=None):
    """The pooled endpoint as a ComparisonTable, or None when a run recorded no clips."""
    pooled = pooled_values(histories, arms, seeds, iteration, datasets, metrics)
    if pooled is None:
        return None
    values, counts = pooled
    cells = {arm: {m: Cell(values[arm][m]) for m in metrics} for arm in arms}
    table = table_of(cells, arms, POOLED, iteration, seeds, metrics, pooled_heading(counts, iteration, seeds))
    reference = pooled_reference(references, counts, metrics)
    if reference:
        table.rows.insert(0, reference_row(reference, metrics))
    return table


def compare(histories, arms, seeds, iteration, datasets, metrics, references=None):
    """The pooled endpoint first (when every run recorded its clips), then one
    ComparisonTable per validation dataset (in the given order); references
    ({dataset: {metric: value}}) become a first row without spread."""
    tables = [compare_dataset(histories, arms, seeds, d, iteration, metrics) for d in datasets]
    for table in tables:
        if references and table.dataset in references:
            table.rows.insert(0, reference_row(references[table.dataset], metrics))
    pooled = pooled_table(histories, arms, seeds, iteration, datasets, metrics, references)
    return ([pooled] if pooled else []) + tables


def curves(histories, arm, dataset, metric):
    """{seed: ([iterations], [values])} of one arm's validation history."""
    out = {}
    for seed, history in histories[arm].items():
        records = history.get(dataset) or {}
        out[seed] = (list(records), [r['metrics'][metric] for r in records.values()])
    return out


def mean_curve(seed_curves):
    """(iterations every seed validated at, mean over seeds there)."""
    common = sorted(set.intersection(*(set(its) for its, _ in seed_curves.values()))) if seed_curves else []
    lookup = [dict(zip(its, vals)) for its, vals in seed_curves.values()]
    return common, [sum(d[i] for d in lookup) / len(lookup) for i in common]
