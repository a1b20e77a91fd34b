"""The README's results table, rendered from metafile.yml's structured Results.

Every Results entry that carries a ``Comparison`` (a paired gain over seeds)
becomes one row: what is compared, on which data, n, mean ± SE, the t-based
95% CI and the paired p, to the precision (``Decimals``) it was measured to.
A line under the table counts the option files whose Status is still
"not measured", so the table never reads as a full-scale result.

    python -m std_plugin.evaluation.metafile_table metafile.yml   # prints it
"""
import sys
from pathlib import Path

import yaml

GAIN = 'PSNR (Y) gain'
HEADER = ('| measurement | data | n (seeds) | iterations | Y PSNR gain (dB), mean ± SE | 95% CI | p |\n'
          '|---|---|---:|---:|---:|---|---:|')


def signed(value, decimals):
    """'+0.020' / '-0.00': the sign is part of a gain (YAML reads -0.00 as -0.0)."""
    return f'{value:+.{decimals}f}'


def p_value(value):
    """p as written: two decimals, or a bound such as '< 0.001' kept as text."""
    return value if isinstance(value, str) else f'{value:.2f}'


def gain_row(result):
    digits = result['Decimals']
    metrics = result['Metrics']
    low, high = metrics[f'{GAIN} CI95']
    return (f"| {result['Comparison']} | {result['Dataset']} | {result['Seeds']} | {result['Iterations']} | "
            f"{signed(metrics[GAIN], digits)} ± {metrics[f'{GAIN} SE']:.{digits}f} | "
            f"[{signed(low, digits)}, {signed(high, digits)}] | {p_value(metrics['p (paired t-test)'])} |")


def render(meta):
    """The Markdown table (and its count line) for a parsed metafile."""
    rows = [gain_row(r) for model in meta['Models'] for r in model.get('Results') or [] if 'Comparison' in r]
    pending = [m['Config'] for m in meta['Models'] if m.get('Status') == 'not measured']
    note = (f'Full-scale (Vimeo90K / Vid4) results: not measured yet; {len(pending)} option files in '
            '[metafile.yml](metafile.yml) have Status "not measured".')
    return '\n'.join([HEADER, *rows, '', note])


def render_file(path):
    return render(yaml.safe_load(Path(path).read_text(encoding='utf-8')))


if __name__ == '__main__':
    print(render_file(sys.argv[1] if len(sys.argv) > 1 else 'metafile.yml'))
