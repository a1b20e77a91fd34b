"""The pooled endpoint of a comparison (std-compare), fixed before any run so
that no choice of dataset or clip can be made after seeing the numbers: per
seed, the mean over ALL scored held-out clips (every validation dataset of
the option file, each clip weighted once) of the metric; a paired gain's
per-seed value is then the mean over those clips of the clip's paired gain
(the same clips for both arms, so the difference of the two means). The
summary over seeds (n, mean, SE, CI, p) is compare_stats'.

A clip's value is the one BasicSR logs for it (the mean over its frames),
read from the `clips` of each run's validation history."""
from std_plugin.core.errors import StdError

POOLED = 'pooled endpoint'


def clip_table(history, datasets, iteration, where):
    """{(dataset, clip): {metric: value}} of one run at one iteration; None
    when a validation recorded no clips (histories written before they did)."""
    out = {}
    for dataset in datasets:
        record = (history.get(dataset) or {}).get(iteration)
        if record is None:
            raise StdError(f'{where}: no validation of {dataset} at iteration {iteration}')
        if not record.get('clips'):
            return None
        out.update({(dataset, clip): values for clip, values in record['clips'].items()})
    return out


def pooled_values(histories, arms, seeds, iteration, datasets, metrics):
    """({arm: {metric: [per-seed mean over all clips]}}, {dataset: clips}),
    or None when some run recorded no clips. Every run must have scored the
    same clips: a paired gain over different clips would compare nothing."""
    tables = {(arm, s): clip_table(histories[arm][s], datasets, iteration, f'{arm}, seed {s}')
              for arm in arms for s in seeds}
    if any(t is None for t in tables.values()):
        return None
    first_key, first = next(iter(tables.items()))
    for key, table in tables.items():
        if set(table) != set(first):
            raise StdError(f'{key[0]}, seed {key[1]} scored other clips than {first_key[0]}, seed {first_key[1]} '
                           f'at iteration {iteration}: {sorted(set(table) ^ set(first))[:3]}')
    values = {arm: {m: [sum(v[m] for v in tables[arm, s].values()) / len(first) for s in seeds] for m in metrics}
              for arm in arms}
    counts = {d: sum(1 for dataset, _ in first if dataset == d) for d in datasets}
    return values, counts


def pooled_reference(references, counts, metrics):
    """A reference's dataset averages (means over their clips) pooled the same
    way: weighted by each dataset's clip count. None unless every dataset has one."""
    if not references or any(d not in references for d in counts):
        return None
    total = sum(counts.values())
    return {m: sum(references[d][m] * n for d, n in counts.items()) / total for m in metrics}


def pooled_heading(counts, iteration, seeds):
    clips = ', '.join(f'{d} {n}' for d, n in counts.items())
    return (f'{POOLED} (fixed before any run): per seed, the mean over all {sum(counts.values())} scored clips '
            f'({clips}) of each clip\'s value, or of its paired gain; iteration {iteration}; '
            f'{len(seeds)} seed{"s" if len(seeds) != 1 else ""} ({", ".join(str(s) for s in seeds)})')
