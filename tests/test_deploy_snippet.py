"""The ONNX Runtime script of docs/deployment.md runs as written on a file
std-export wrote, and gives the frames std-infer gives."""
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from std_plugin.cli import export, infer
from tests.test_infer_export import arch_args, save_random

DOC = Path(__file__).resolve().parents[1] / 'docs' / 'deployment.md'
TINY = dict(type='FastDVDnetVSR', num_frame=5, scale=4, num_feat=8, branch_ch=4, interm_ch=4, widths=[4, 8, 8])


def snippet():
    text = DOC.read_text()
    return re.search(r'<!-- snippet: onnxruntime -->\n```python\n(.*?)```', text, re.S).group(1)


def test_the_documented_script_is_short():
    assert len(snippet().strip().splitlines()) <= 20


def test_the_documented_script_matches_std_infer(tmp_path):
    save_random(TINY, str(tmp_path / 'tiny.pth'))
    model = str(tmp_path / 'tiny.onnx')
    export.main(['--model', str(tmp_path / 'tiny.pth'), *arch_args(TINY), '--out', model, '--size', '40x28'])
    lr = tmp_path / 'lr'
    lr.mkdir()
    rng = np.random.default_rng(1)
    for t in range(6):
        cv2.imwrite(str(lr / f'{t:08d}.png'), rng.integers(0, 256, (28, 40, 3), dtype=np.uint8))
    (tmp_path / 'snippet.py').write_text(snippet())
    subprocess.run([sys.executable, str(tmp_path / 'snippet.py'), model, str(lr), str(tmp_path / 'doc')], check=True,
                   timeout=120)
    infer.main(['--model', model, '--input', str(lr), '--out', str(tmp_path / 'tool')])
    for t in range(6):
        doc = cv2.imread(str(tmp_path / 'doc' / f'{t:08d}.png'))
        tool = cv2.imread(str(tmp_path / 'tool' / f'{t:08d}.png'))
        assert doc.shape == (112, 160, 3)
        assert np.abs(doc.astype(int) - tool).max() <= 1  # the same model; rounding may differ by one level
