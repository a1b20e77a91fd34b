"""Markdown and CSV of a per-clip PSNR/SSIM table (evaluation.clip_metrics), in
the STD supplement's layout: std-table prints and writes them, std-demo
writes them, std-compare's tables share their cell format."""
import csv
import io
import os
import os.path as osp
import re

from std_plugin.evaluation.clip_metrics import AVERAGE, METRICS
from std_plugin.core.disk_errors import named_writes

DIGITS = {'PSNR': 2, 'SSIM': 4}  # the papers' precision; the CSV keeps 6


def column_label(column):
    return column[:1].upper() + column[1:]


def table_columns(table):
    return table.columns + [AVERAGE]


def markdown_line(cells):
    return '| ' + ' | '.join(cells) + ' |'


def markdown_cell(values, channel):
    return '/'.join(f'{values[(channel, metric)]:.{DIGITS[metric]}f}' for metric in METRICS)


def markdown_table(table, channel):
    head = ['Method'] + [column_label(c) for c in table_columns(table)]
    lines = [f'**{table.dataset}: PSNR (dB) / SSIM, {channel} channel, crop border {table.crop_border}**', '',
             markdown_line(head), markdown_line(['---'] + ['---:'] * (len(head) - 1))]
    lines += [markdown_line([row.method] + [markdown_cell(row.values[c], channel) for c in table_columns(table)])
              for row in table]
    return '\n'.join(lines)


def notes(table):
    counts = ', '.join(f'{column_label(c)} {clips}/{frames}' for c, (clips, frames) in table.counts.items())
    return '\n'.join([
        f'Metrics: basicsr.metrics.calculate_psnr / calculate_ssim, crop border {table.crop_border} px per side. '
        "Y: BasicSR's to_y_channel (BT.601 luma, as MATLAB rgb2ycbcr); RGB: all three channels.",
        f"{AVERAGE}: mean over all clips of each clip's mean over its frames, as BasicSR averages test folders; "
        'a column of several clips (a Vimeo-T split: each sequence is a clip scored on its centre frame im4) '
        'is the mean over them.',
        f'Clips/frames: {counts}.'])


def render_markdown(table):
    return '\n\n'.join([markdown_table(table, channel) for channel in table.channels] + [notes(table)]) + '\n'


def render_csv(table):
    """One line per (method, channel, metric), a column per clip, then Average."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['dataset', 'method', 'channel', 'metric', 'crop_border']
                    + [column_label(c) for c in table_columns(table)])
    for row in table:
        for channel in table.channels:
            for metric in METRICS:
                writer.writerow([table.dataset, row.method, channel, metric, table.crop_border]
                                + [f'{row.values[c][(channel, metric)]:.6f}' for c in table_columns(table)])
    return out.getvalue()


def write_table(table, out_dir):
    """Writes table_<dataset>.md and .csv under out_dir; returns both paths."""
    os.makedirs(out_dir, exist_ok=True)
    stem = osp.join(out_dir, 'table_' + re.sub(r'[^\w.-]+', '_', table.dataset))
    paths = stem + '.md', stem + '.csv'
    for path, text in zip(paths, (render_markdown(table), render_csv(table))):
        with named_writes(path), open(path, 'w', newline='') as f:
            f.write(text)
    return paths
