"""std-demo --quick: the demo's whole path (data, teacher, std-compare's two
arms over two seeds, three tests, tables, pictures) with a few iterations per
model; and the teacher the demo ships."""
import csv

import cv2
import torch
import yaml

from basicsr.archs import build_network
from std_plugin.demo.steps import OPTIONS, SHIPPED, SHIPPED_TEACHER, WARMUP
from std_plugin.evaluation.compare_stats import REFERENCE
from tests.conftest import run_cli

SKIP = "Bicubic (PyTorch: the students' skip)"


def test_demo_quick_runs_the_whole_path(tmp_path):
    proc = run_cli(['-m', 'std_plugin.demo', '--root', str(tmp_path), '--quick', '--seeds', '2'], cwd=tmp_path)
    out = tmp_path / 'results' / 'demo'
    rows = list(csv.DictReader(open(out / 'table_Demo.csv')))
    methods = {r['method'] for r in rows}
    assert methods == {'Bicubic (MATLAB)', SKIP, 'Teacher (EDVR)', 'Baseline (seed 0)', 'STD (seed 0)'}
    assert all(15 < float(r['Average']) < 60 for r in rows if r['metric'] == 'PSNR')
    assert '| Bicubic (MATLAB) |' in proc.stdout
    # the students' skip scored from written PNGs equals std-compare's reference scored in memory
    table_skip = [float(r['Average']) for r in rows if r['method'] == SKIP and r['metric'] == 'PSNR'
                  and r.get('channel', 'Y') == 'Y']
    cmp_rows = list(csv.DictReader(open(out / 'compare_demo_std.csv')))
    cmp_skip = [float(r['mean']) for r in cmp_rows if r['row'] == REFERENCE and r['dataset'] == 'DemoClip'
                and r['metric'] == 'psnr']
    assert len(cmp_skip) == 1 and abs(table_skip[0] - cmp_skip[0]) < 1e-3
    crops, maps = cv2.imread(str(out / 'crops.png')), cv2.imread(str(out / 'attention.png'))
    assert crops.shape[1] > 6 * 100 and maps is not None  # six labelled crops side by side
    assert (out / 'compare_demo_std.md').is_file() and (out / 'curves_demo_std.png').is_file()
    assert 'std - baseline' in (out / 'compare_demo_std.md').read_text()
    runs = tmp_path / 'experiments'
    assert (runs / 'demo_edvr_teacher' / 'models' / 'net_g_latest.pth').is_file()
    warm = runs / 'demo_student_warmup' / 'models' / 'net_g_latest.pth'
    assert warm.is_file() and f'started from {warm.relative_to(tmp_path)}' in (out / 'compare_demo_std.md').read_text()
    for arm in ('baseline', 'std'):
        for seed in (0, 1):
            assert (runs / f'demo_std_compare_{arm}_s{seed}' / 'models' / 'net_g_latest.pth').is_file()
    assert (runs / 'demo_std_compare_std_s0' / 'models' / 'net_lstm_latest.pth').is_file()


def test_shipped_teacher_fits_the_demo_options_and_is_finite():
    opt = yaml.safe_load(open(OPTIONS / 'demo_edvr_teacher.yml'))
    net = build_network(opt['network_g'])
    params = torch.load(SHIPPED_TEACHER, weights_only=True)['params']
    net.load_state_dict(params, strict=True)
    assert all(torch.isfinite(v).all() for v in params.values())
    # several times the demo student's parameters
    student = build_network(yaml.safe_load(open(OPTIONS / 'demo_std.yml'))['network_g'])
    count = lambda n: sum(p.numel() for p in n.parameters())  # noqa: E731
    assert count(net) > 3 * count(student)


def test_shipped_warm_start_is_the_demo_student_trained():
    """The warm start loads into demo_std.yml's student, is finite, and is not an
    initialisation: its residual output layer moved away from PyTorch's default
    init range (|w| <= 1/sqrt(fan_in))."""
    opt = yaml.safe_load(open(OPTIONS / 'demo_std.yml'))
    warm_opt = yaml.safe_load(open(OPTIONS / f'{WARMUP}.yml'))
    assert warm_opt['network_g'] == opt['network_g']
    net = build_network(opt['network_g'])
    params = torch.load(SHIPPED[WARMUP], weights_only=True)['params']
    net.load_state_dict(params, strict=True)
    assert all(torch.isfinite(v).all() for v in params.values())
    w = params['conv_last.weight']
    assert w.abs().max() > 1 / (w[0].numel() ** 0.5)  # impossible at initialisation


def test_every_demo_option_file_reads_the_demo_degradation():
    """The shipped teacher and warm start were trained on BIN: a demo file reading BI or BD LR frames would
    compare networks on a degradation they never saw."""
    from std_plugin.data.prep.demo import DEMO_DEGRADATION, SCALE
    from std_plugin.data.prep.degradations import lr_tag
    tag = lr_tag(DEMO_DEGRADATION, SCALE)
    files = sorted(OPTIONS.glob('*.yml'))
    assert len(files) >= 8 and tag == 'BINx4'
    for path in files:
        lq = [d['dataroot_lq'] for d in yaml.safe_load(open(path))['datasets'].values()]
        assert lq and all(p.split('/')[-1] in (tag, f'{tag}.lmdb') for p in lq), (path.name, lq)
