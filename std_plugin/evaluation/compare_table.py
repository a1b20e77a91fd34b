"""std-compare's tables: Markdown (printed and written) and CSV of the
ComparisonTables of std_plugin.evaluation.compare_stats. Rows are arms, then paired
gains; cells are mean ± sample std over seeds at the final iteration."""
import csv
import io
import math

from std_plugin.evaluation.table_format import DIGITS, markdown_line


def metric_label(name, metric_opt):
    """'PSNR (Y, dB)' / 'SSIM (RGB)' from the val section's metric options."""
    short = name.upper() if name.lower() in ('psnr', 'ssim') else name
    unit = ', dB' if name.lower() == 'psnr' else ''
    return f'{short} ({"Y" if (metric_opt or {}).get("test_y_channel") else "RGB"}{unit})'


def digits(name):
    return DIGITS.get(name.upper(), 4)


def spread_cell(cell, places, signed):
    sign = '+' if signed else ''
    mean = f'{cell.mean:{sign}.{places}f}'
    return mean if math.isnan(cell.std) else f'{mean} ± {cell.std:.{places}f}'


def markdown_table(table, metric_opts):
    seeds = ', '.join(str(s) for s in table.seeds)
    spread = f'mean ± sample std (n-1) over {len(table.seeds)} seeds ({seeds})' if len(table.seeds) > 1 \
        else f'one seed ({seeds}), no spread'
    head = ['Arm'] + [metric_label(m, metric_opts.get(m)) for m in table.metrics]
    lines = [f'**{table.dataset}, iteration {table.iteration}: {spread}**',
             '', markdown_line(head), markdown_line(['---'] + ['---:'] * len(table.metrics))]
    lines += [markdown_line([row.label + (' (paired)' if row.gain else '')]
                            + [spread_cell(row.cells[m], digits(m), row.gain) for m in table.metrics])
              for row in table.rows]
    return '\n'.join(lines)


NOTE = ('Each arm trained through std_plugin.train from the same initial student weights per seed, for the same '
        'iterations, with the same data order (manual_seed = seed). A paired gain is computed seed by seed '
        '(arm_s - baseline_s), then averaged; its ± is the sample std of those per-seed differences. '
        "Values are BasicSR's validation averages (mean over each clip's frames, then over clips).")


def render_markdown(tables, metric_opts):
    return '\n\n'.join([markdown_table(t, metric_opts) for t in tables] + [NOTE]) + '\n'


def render_csv(tables):
    """One line per (dataset, row, metric): mean, sample std, the per-seed values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['dataset', 'iteration', 'row', 'paired_gain', 'metric', 'mean', 'std_sample', 'seeds',
                     'values'])
    for table in tables:
        for row in table.rows:
            for m in table.metrics:
                cell = row.cells[m]
                writer.writerow([table.dataset, table.iteration, row.label, int(row.gain), m, f'{cell.mean:.6f}',
                                 '' if math.isnan(cell.std) else f'{cell.std:.6f}',
                                 ' '.join(str(s) for s in table.seeds), ' '.join(f'{v:.6f}' for v in cell.values)])
    return out.getvalue()
