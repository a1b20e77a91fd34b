"""std-compare's tables: Markdown (printed and written) and CSV of the
ComparisonTables of std_plugin.evaluation.compare_stats, the pooled endpoint
first. Rows are arms, then paired gains; per metric the columns are the mean
over seeds, the sample sd (n - 1), the standard error, the t-based 95%
confidence interval and (paired gains only) the paired t-test's p-value."""
import csv
import io
import math

from std_plugin.evaluation.table_format import DIGITS, markdown_line

NA = 'n/a'  # a statistic one seed cannot give
STAT_HEAD = ['sd', 'SE', '95% CI', 'p']


def metric_label(name, metric_opt):
    """'PSNR (Y, dB)' / 'SSIM (RGB)' from the val section's metric options."""
    short = name.upper() if name.lower() in ('psnr', 'ssim') else name
    unit = ', dB' if name.lower() == 'psnr' else ''
    return f'{short} ({"Y" if (metric_opt or {}).get("test_y_channel") else "RGB"}{unit})'


def digits(name):
    return DIGITS.get(name.upper(), 4)


def number(value, places, signed=False):
    return NA if math.isnan(value) else f'{value:{"+" if signed else ""}.{places}f}'


def p_text(p):
    return NA if math.isnan(p) else ('<0.001' if p < 0.001 else f'{p:.3f}')


def stat_cells(row, cell, places):
    """mean, sd, SE, 95% CI, p of one metric of one row, as printed."""
    mean = number(cell.mean, places, row.gain)
    if row.reference:
        return [mean, '', '', '', '']
    low, high = cell.ci
    ci = NA if math.isnan(low) else f'[{number(low, places, row.gain)}, {number(high, places, row.gain)}]'
    return [mean, number(cell.std, places), number(cell.se, places), ci, p_text(cell.p) if row.gain else '']


def heading(table):
    if table.heading:
        return f'**{table.heading}**'
    seeds = ', '.join(str(s) for s in table.seeds)
    return f'**{table.dataset}, iteration {table.iteration}: {len(table.seeds)} seed' \
           f'{"s" if len(table.seeds) != 1 else ""} ({seeds})**'


def markdown_table(table, metric_opts):
    head = ['Row', 'n']
    for m in table.metrics:
        head += [metric_label(m, metric_opts.get(m))] + STAT_HEAD
    lines = [heading(table), '', markdown_line(head), markdown_line(['---'] + ['---:'] * (len(head) - 1))]
    for row in table.rows:
        cells = [row.label + (' (paired)' if row.gain else ''), '' if row.reference else str(len(table.seeds))]
        for m in table.metrics:
            cells += stat_cells(row, row.cells[m], digits(m))
        lines.append(markdown_line(cells))
    return '\n'.join(lines)


NOTE = ('Each arm trained through std_plugin.train from the same initial student weights per seed, for the same '
        'iterations, with the same batches (manual_seed = seed: the clip order, crops and flips). A paired gain '
        '(arm - other) is computed seed by seed (arm_s - other_s), then summarised over the n seeds: mean, sample '
        'sd (n-1), SE = sd/sqrt(n), 95% CI = mean -/+ t(n-1, 0.975) SE, p = two-sided paired t-test of no '
        'difference (scipy.stats); an arm\'s row gives the same for its own values (no p). n/a: one seed gives '
        "no spread. Values are BasicSR's validation averages (mean over each clip's frames, then over clips); the "
        'pooled endpoint pools every clip of every validation dataset, each clip once.')


def render_markdown(tables, metric_opts):
    return '\n\n'.join([markdown_table(t, metric_opts) for t in tables] + [NOTE]) + '\n'


def csv_number(value):
    return '' if math.isnan(value) else f'{value:.6f}'


def render_csv(tables):
    """One line per (dataset, row, metric): n, mean, sample sd, SE, the 95% CI,
    the paired p-value (gains only), the seeds and the per-seed values; empty
    where one seed gives no value (and n, seeds for the bicubic reference,
    which is one number). The pooled endpoint's dataset is 'pooled endpoint'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['dataset', 'iteration', 'row', 'paired_gain', 'metric', 'n', 'mean', 'std_sample', 'se',
                     'ci95_low', 'ci95_high', 'p_paired', 'seeds', 'values'])
    for table in tables:
        for row in table.rows:
            for m in table.metrics:
                cell = row.cells[m]
                low, high = cell.ci
                seeds = '' if row.reference else ' '.join(str(s) for s in table.seeds)
                writer.writerow([table.dataset, table.iteration, row.label, int(row.gain), m,
                                 '' if row.reference else cell.n, f'{cell.mean:.6f}', csv_number(cell.std),
                                 csv_number(cell.se), csv_number(low), csv_number(high),
                                 f'{cell.p:.6g}' if row.gain and not math.isnan(cell.p) else '', seeds,
                                 ' '.join(f'{v:.6f}' for v in cell.values)])
    return out.getvalue()
