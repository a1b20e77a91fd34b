"""std-bench end to end on tiny networks, and the per-part memory isolation it relies on."""
import json

import pytest
import torch

from std_plugin.cli import bench
from std_plugin.evaluation.benchmark.isolated import run_isolated

TINY = ['--device', 'cpu', '--teacher', 'tiny', '--student', 'tiny', '--infer-teacher', 'tiny', '--batch', '1',
        '--patch', '8', '--infer-size', '16x16', '--runs', '1', '--warmup', '0']


def allocate(mib):
    block = torch.ones(mib, 2 ** 18)  # mib MiB of float32, touched
    return dict(total=block.sum().item())


def test_each_part_reports_its_own_peak_memory():
    big = run_isolated(allocate, 'cpu', 256)
    small = run_isolated(allocate, 'cpu', 16)  # would read >= 256 MiB in the same process
    # The runtime may hand a few pages back to the OS while the part runs (measured: up to 0.13 MiB),
    # so the figure may read a fraction of a MiB under the part's own allocation.
    assert 256 - 1 <= big['peak_mb'] < 256 + 64
    assert 16 - 1 <= small['peak_mb'] < 16 + 64


def test_json_figures_are_consistent(capsys):
    bench.main(TINY + ['--json'])
    fig = json.loads(capsys.readouterr().out)
    assert {'overhead_ratio', 'teacher_bf16_speedup', 'student_ms', 'teacher_ms', 'speed_ratio', 'device'} <= set(fig)
    assert fig['overhead_ratio'] == fig['t_std_ms'] / (fig['t_student_ms'] + fig['t_teacher_ms'])
    assert fig['speed_ratio'] == fig['teacher_ms'] / fig['student_ms']
    assert set(fig['losses_fp32_teacher']) == {'l_sd', 'l_td'}
    assert all(part['peak_mb'] > 0 and part.get('timing', {'median_ms': 1})['median_ms'] > 0
               for part in fig['parts'].values())
    assert fig['settings']['windows'] == 7 and fig['settings']['teacher'] == 'tiny EDVR'


def test_a_bad_patch_is_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(TINY + ['--patch', '10'])
    assert exit_.value.code == 2
    assert '--patch must be a positive multiple of 4' in capsys.readouterr().err
