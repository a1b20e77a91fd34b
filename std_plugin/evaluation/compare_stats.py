"""The numbers of a comparison (std-compare), from the validation histories
(val_metrics.jsonl) of its runs: per arm, each metric at the final iteration
as mean and sample standard deviation (n - 1) over seeds; per distilling arm,
the paired gain over the baseline, computed seed by seed (arm_s - baseline_s)
and then averaged, so the spread is that of the gain, not of the seeds.

    histories = {arm: {seed: read_history(...)}}
    tables = compare(histories, arms, seeds, iteration)
"""
import math
from dataclasses import dataclass, field

from std_plugin.training.errors import StdError

BASELINE = 'baseline'


@dataclass
class Cell:
    """One metric over seeds: the per-seed values (seed order), mean, sample std."""
    values: list

    @property
    def mean(self):
        return sum(self.values) / len(self.values)

    @property
    def std(self):
        """Sample standard deviation (n - 1); nan with a single seed."""
        n = len(self.values)
        if n < 2:
            return math.nan
        return math.sqrt(sum((v - self.mean) ** 2 for v in self.values) / (n - 1))


@dataclass
class Row:
    label: str       # the arm, or '<arm> - baseline' for a paired gain
    gain: bool
    cells: dict      # metric -> Cell


@dataclass
class ComparisonTable:
    """One validation dataset at one iteration."""
    dataset: str
    iteration: int
    seeds: list
    metrics: list
    rows: list = field(default_factory=list)


def final_value(history, dataset, iteration, metric, where):
    records = history.get(dataset) or {}
    if iteration not in records:
        raise StdError(f'{where}: no validation of {dataset} at iteration {iteration} '
                         f'(validated at {sorted(records) or "none"})')
    return records[iteration]['metrics'][metric]


def arm_cells(histories, arm, seeds, dataset, iteration, metrics):
    return {m: Cell([final_value(histories[arm][s], dataset, iteration, m, f'{arm}, seed {s}') for s in seeds])
            for m in metrics}


def gain_cells(cells, base):
    return {m: Cell([a - b for a, b in zip(cells[m].values, base[m].values)]) for m in cells}


def compare_dataset(histories, arms, seeds, dataset, iteration, metrics):
    table = ComparisonTable(dataset, iteration, list(seeds), list(metrics))
    cells = {arm: arm_cells(histories, arm, seeds, dataset, iteration, metrics) for arm in arms}
    table.rows = [Row(arm, False, cells[arm]) for arm in arms]
    if BASELINE in cells:
        table.rows += [Row(f'{arm} - {BASELINE}', True, gain_cells(cells[arm], cells[BASELINE]))
                       for arm in arms if arm != BASELINE]
    return table


REFERENCE = 'bicubic (PyTorch: the untrained student)'


def compare(histories, arms, seeds, iteration, datasets, metrics, references=None):
    """One ComparisonTable per validation dataset (in the given order);
    references ({dataset: {metric: value}}) become a first row without spread."""
    tables = [compare_dataset(histories, arms, seeds, d, iteration, metrics) for d in datasets]
    for table in tables:
        if references and table.dataset in references:
            ref = references[table.dataset]
            table.rows.insert(0, Row(REFERENCE, False, {m: Cell([ref[m]]) for m in metrics}))
    return tables


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
