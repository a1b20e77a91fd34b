"""gpu_check --smoke: the prepared GPU measurement runs its whole path on a CPU
at toy sizes, and writes Markdown and JSON that agree with each other."""
import json

import torch
import yaml

from basicsr.archs import build_network
from std_plugin.cli import gpu_check
from tests.conftest import TINY_EDVR, add_teacher, base_options


def tiny_compare_options(tmp_path, tiny_root):
    """An STD file on the tests' tiny data with a randomly initialised tiny EDVR teacher."""
    teacher = tmp_path / 'teacher.pth'
    torch.save({'params': build_network(dict(TINY_EDVR)).state_dict()}, teacher)
    opt = add_teacher(base_options('gpu_check_smoke', tiny_root, iters=2), str(teacher))
    path = tmp_path / 'smoke.yml'
    path.write_text(yaml.safe_dump(opt, sort_keys=False))
    return str(path)


def test_smoke_runs_every_step_and_writes_both_reports(tmp_path, tiny_root):
    out = tmp_path / 'out'
    gpu_check.main(['--smoke', '--out', str(out), '--work', str(tmp_path / 'work'), '--compare-opt',
                    tiny_compare_options(tmp_path, tiny_root), '--compare-root', str(tmp_path),
                    '--compare-seeds', '1', '--compare-iters', '2'])
    report = json.loads((out / 'gpu_check.json').read_text())
    steps = report['steps']
    assert list(steps) == ['environment', 'bench_fp32', 'bench_bf16_channels_last', 'profile', 'compare']
    assert {name: s['status'] for name, s in steps.items()} == dict.fromkeys(steps, 'ok'), steps
    fp32, bf16 = steps['bench_fp32']['figures'], steps['bench_bf16_channels_last']['figures']
    for fig in (fp32, bf16):
        assert fig['overhead_ratio'] == fig['t_std_ms'] / (fig['t_student_ms'] + fig['t_teacher_ms'])
        assert fig['t_std_peak_mib'] == fig['parts']['t_std']['peak_mb'] > 0
    assert fp32['settings']['train'] == {} and bf16['settings']['train'] == {'autocast': 'bf16', 'channels_last': True}
    assert bf16['settings']['distill']['teacher_autocast'] == 'bf16'
    assert set(bf16['parts']) == {'t_student', 't_teacher', 't_std'}  # the training parts only
    assert {'teacher fp32', 'infer student', 'losses'} <= set(fp32['parts'])  # every std-bench part
    assert [r['name'] for r in steps['profile']['figures']['rows']] == ['FastDVDnetVSR', 'VDSR']
    compare = steps['compare']['figures']
    assert set(compare['median_s_per_iter']) == {'baseline', 'std'} and len(compare['s_per_iter']) == 2
    assert '| baseline' in compare['table'] or 'baseline' in compare['table']

    md = (out / 'gpu_check.md').read_text()
    assert md.startswith('# gpu_check (smoke (CPU, toy sizes: not figures))')
    overhead = next(line for line in md.splitlines() if line.startswith('| overhead_ratio'))
    assert overhead.split(' | ')[1:] == [f"{fp32['overhead_ratio']:.3f}", f"{bf16['overhead_ratio']:.3f} |"]
    speed = next(line for line in md.splitlines() if line.startswith('| speed_ratio'))
    assert speed.split(' | ')[1:] == [f"{fp32['speed_ratio']:.1f}x", '- |']  # no inference in the bf16 column
    for section in ('## STD iteration and inference (std-bench)', '## Networks (std-profile)',
                    '## Demo comparison (std-compare)', '## Environment'):
        assert section in md
    assert '## Not measured' not in md


def test_budget_spent_skips_the_remaining_steps(tmp_path):
    report = gpu_check.main(['--smoke', '--out', str(tmp_path), '--budget', '1e-9'])
    assert report['steps']['environment']['status'] == 'ok'  # the first step always starts
    skipped = [name for name, s in report['steps'].items() if s['status'] == 'skipped']
    assert skipped == ['bench_fp32', 'bench_bf16_channels_last', 'profile', 'compare']
    assert '- `compare`: skipped after 0 s: 0 s left of the 1e-09 s budget' in (tmp_path / 'gpu_check.md').read_text()
