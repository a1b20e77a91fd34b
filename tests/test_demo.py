"""std-demo --quick: the demo's whole path (data, three trainings, three tests,
table, pictures) with a few iterations per model."""
import csv

import cv2

from tests.conftest import run_cli


def test_demo_quick_runs_the_whole_path(tmp_path):
    proc = run_cli(['-m', 'std_plugin.demo', '--root', str(tmp_path), '--quick'], cwd=tmp_path)
    out = tmp_path / 'results' / 'demo'
    rows = list(csv.DictReader(open(out / 'table_Demo.csv')))
    methods = {r['method'] for r in rows}
    assert methods == {'Bicubic', 'Teacher (EDVR)', 'Baseline', 'STD'}
    assert all(15 < float(r['Average']) < 60 for r in rows if r['metric'] == 'PSNR')
    assert '| Bicubic |' in proc.stdout
    crops, maps = cv2.imread(str(out / 'crops.png')), cv2.imread(str(out / 'attention.png'))
    assert crops.shape[1] > 5 * 100 and maps is not None  # five labelled crops side by side
    for name in ('demo_edvr_teacher', 'demo_baseline', 'demo_std'):
        assert (tmp_path / 'experiments' / name / 'models' / 'net_g_latest.pth').is_file()
    assert (tmp_path / 'experiments' / 'demo_std' / 'models' / 'net_lstm_latest.pth').is_file()
