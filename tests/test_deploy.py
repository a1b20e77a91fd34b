"""Deployment: std-infer on ONNX Runtime (fp32 and INT8), std-export --int8,
the backend choice and their bad-input answers, on a tiny random student."""
import math
import os
import re
import subprocess
import sys

import cv2
import numpy as np
import onnx
import pytest
import torch

from std_plugin.cli import export, infer
from std_plugin.inference import backends, int8
from std_plugin.inference.onnx_runtime import OnnxWindowNetwork
from tests.conftest import REPO
from tests.test_infer_export import arch_args, bad_input_error, random_student

TINY = dict(type='FastDVDnetVSR', num_frame=5, scale=4, num_feat=8, branch_ch=4, interm_ch=4, widths=[4, 8, 8])
FRAMES, H, W = 8, 28, 40


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('STD_PLUGIN_CACHE', str(tmp_path / 'cache'))
    return tmp_path / 'cache'


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    return random_student(tmp_path_factory, TINY)


@pytest.fixture(scope='module')
def frames(tmp_path_factory):
    """Smooth moving frames (a random texture, upscaled and shifted), named f1..f8."""
    folder = tmp_path_factory.mktemp('frames') / 'lr'
    folder.mkdir()
    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 256, (7, 10, 3), dtype=np.uint8), (W + FRAMES, H), interpolation=cv2.INTER_CUBIC)
    for i in range(FRAMES):
        cv2.imwrite(str(folder / f'f{i + 1}.png'), base[:, i:i + W])
    return str(folder)


@pytest.fixture(scope='module')
def exported(student, frames, tmp_path_factory):
    """(fp32 ONNX, INT8 ONNX, std-export --int8's stdout) of the tiny student."""
    folder = tmp_path_factory.mktemp('onnx')
    fp32, quant = str(folder / 'tiny.onnx'), str(folder / 'tiny.int8.onnx')
    export.main(['--model', student[1], *arch_args(TINY), '--out', fp32, '--size', '40x28'])
    out = subprocess.run([sys.executable, '-m', 'std_plugin.cli.export', '--model', student[1], *arch_args(TINY),
                          '--out', quant, '--size', '40x28', '--int8', '--calib', frames], capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=REPO), timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return fp32, quant, out.stdout


def read_frames(folder):
    return [cv2.imread(os.path.join(folder, f'f{i + 1}.png')) for i in range(FRAMES)]


def sr(student, frames, out, *extra):
    model = [] if any(a.endswith('.onnx') for a in extra) else ['--model', student[1], *arch_args(TINY)]
    infer.main([*model, '--input', frames, '--out', str(out), *extra])
    return read_frames(out)


def test_onnxruntime_backend_equals_pytorch(student, frames, tmp_path, cache):
    torch_frames = sr(student, frames, tmp_path / 'torch', '--backend', 'torch')
    ort_frames = sr(student, frames, tmp_path / 'ort', '--backend', 'onnxruntime')
    # The checkpoint was exported on the fly into the cache: in float it computes what PyTorch computes.
    [cached] = (cache / 'onnx').glob('*.fp32.onnx')
    x = torch.rand(2, 5, 3, 20, 36)
    with torch.no_grad():
        assert (OnnxWindowNetwork(cached)(x) - student[0](x)).abs().max() <= 1e-4
    # PNGs: a 1e-4 float difference can flip the rounding of a pixel by one level, never more.
    for a, b in zip(torch_frames, ort_frames):
        assert np.abs(a.astype(int) - b).max() <= 1


def test_onnx_file_runs_without_arch_and_matches_the_cached_export(student, frames, exported, tmp_path):
    from_file = sr(student, frames, tmp_path / 'file', '--model', exported[0])
    on_the_fly = sr(student, frames, tmp_path / 'fly', '--backend', 'onnxruntime')
    assert all((a == b).all() for a, b in zip(from_file, on_the_fly))


def test_int8_export_and_inference_stay_within_the_psnr_tolerance(student, frames, exported, tmp_path):
    fp32, quant, report = exported
    reported = float(re.search(r'Y PSNR against float ([\d.]+) dB', report).group(1))
    assert reported >= backends.DEFAULT_MIN_PSNR
    assert any(node.op_type == 'DequantizeLinear' for node in onnx.load(quant).graph.node)
    float_frames = sr(student, frames, tmp_path / 'fp32', '--model', fp32)
    int8_frames = sr(student, frames, tmp_path / 'int8', '--model', quant)
    assert int8.y_psnr(int8_frames, float_frames) >= backends.DEFAULT_MIN_PSNR
    assert any((a != b).any() for a, b in zip(int8_frames, float_frames))  # it is really another model


def test_int8_on_the_fly_from_a_checkpoint(student, frames, tmp_path, capsys):
    int8_frames = sr(student, frames, tmp_path / 'int8', '--precision', 'int8', '--calib', frames)
    assert 'convolutions quantised' in capsys.readouterr().out
    float_frames = sr(student, frames, tmp_path / 'fp32', '--backend', 'torch')
    assert int8.y_psnr(int8_frames, float_frames) >= backends.DEFAULT_MIN_PSNR


def test_layers_int8_hurts_most_are_kept_in_float_until_the_tolerance(exported, frames, tmp_path):
    from std_plugin.inference.calibration import windows
    calib = windows(frames, 5, 4)
    out = tmp_path / 'strict.onnx'
    # No INT8 model reaches 200 dB: the loop keeps its two worst convolutions in float, then stops.
    result = int8.quantize_checked(exported[0], out, calib, calib, min_psnr=200, max_float=2, log=lambda line: None)
    assert len(result.kept_float) == 2 and result.psnr < 200
    graph = onnx.load(str(out)).graph
    dequantized = {n.output[0] for n in graph.node if n.op_type == 'DequantizeLinear'}
    convs = {n.name: n for n in graph.node if n.op_type == 'Conv'}
    assert result.quantised == len(convs) - 2
    for name in result.kept_float:  # float weights, not a dequantised INT8 tensor
        assert convs[name].input[1] not in dequantized
    assert sum(n.input[1] in dequantized for n in convs.values()) == result.quantised


def test_y_psnr_by_hand():
    a, b = np.full((4, 4, 3), 100, np.uint8), np.full((4, 4, 3), 104, np.uint8)
    # BasicSR's Y (ITU-R BT.601): 16 + (65.481 R + 128.553 G + 24.966 B) / 255, not rounded.
    diff = 4 * (65.481 + 128.553 + 24.966) / 255
    assert int8.y_psnr([a], [b]) == pytest.approx(20 * math.log10(255 / diff), abs=1e-4)  # BasicSR converts in float32
    assert int8.y_psnr([a], [a]) == 100.0  # identical frames: capped instead of inf


def test_auto_takes_the_faster_engine_and_remembers_it(student, frames, tmp_path, monkeypatch, capsys, cache):
    monkeypatch.setattr(backends, 'candidates', backends.REAL_CANDIDATES)  # conftest pins auto to PyTorch
    times = {'torch': 0.5, 'onnxruntime': 0.2}
    monkeypatch.setattr(backends, 'time_engine', lambda engine, size, device: times[engine.backend])
    sr(student, frames, tmp_path / 'a')
    assert '--backend auto: onnxruntime (torch 500 ms, onnxruntime 200 ms per 40x28 window' in capsys.readouterr().out
    record = (cache / 'auto_backend.json').read_text()

    def not_again(*args):
        raise AssertionError('timed again')

    monkeypatch.setattr(backends, 'time_engine', not_again)
    sr(student, frames, tmp_path / 'b')
    assert '(onnxruntime, fp32): 8 frames' in capsys.readouterr().out
    assert (cache / 'auto_backend.json').read_text() == record


def another_network(path):
    """An ONNX image network (B, 3, H, W): not a window network."""
    torch.onnx.export(torch.nn.Conv2d(3, 3, 3, padding=1), (torch.rand(1, 3, 8, 8),), path, dynamo=False)
    return path


@pytest.mark.parametrize('case', ['other network', 'int8 with --half', 'no onnxruntime', 'int8 on torch',
                                  'onnx with --arch', 'fp32 of an int8 file', 'bf16 on onnxruntime',
                                  'export --int8 without onnxruntime', 'not an onnx file'])
def test_bad_deployment_input_is_one_line_exit_2(case, student, frames, exported, tmp_path, monkeypatch, capsys):
    ckpt = ['--model', student[1], *arch_args(TINY)]
    io = ['--input', frames, '--out', str(tmp_path / 'sr')]
    main, argv, expected = infer.main, None, None
    if case == 'other network':
        argv, expected = ['--model', another_network(str(tmp_path / 'conv.onnx')), *io], 'window network'
    elif case == 'int8 with --half':
        argv, expected = ['--model', exported[1], *io, '--half'], 'integer arithmetic'
    elif case == 'no onnxruntime':
        monkeypatch.setitem(sys.modules, 'onnxruntime', None)
        argv, expected = [*ckpt, *io, '--backend', 'onnxruntime'], 'pip install -e ".[deploy]"'
    elif case == 'int8 on torch':
        argv, expected = [*ckpt, *io, '--backend', 'torch', '--precision', 'int8'], 'runs on ONNX Runtime'
    elif case == 'onnx with --arch':
        argv, expected = ['--model', exported[0], *arch_args(TINY)[:2], *io], 'drop --arch'
    elif case == 'fp32 of an int8 file':
        argv, expected = ['--model', exported[1], *io, '--precision', 'fp32'], 'is an INT8 ONNX model'
    elif case == 'bf16 on onnxruntime':
        argv, expected = [*ckpt, *io, '--backend', 'onnxruntime', '--precision', 'bf16'], 'PyTorch autocast'
    elif case == 'export --int8 without onnxruntime':
        monkeypatch.setitem(sys.modules, 'onnxruntime', None)
        main, expected = export.main, 'pip install -e ".[deploy]"'
        argv = [*ckpt, '--out', str(tmp_path / 'sr' / 'x.onnx'), '--int8']
    else:
        (tmp_path / 'junk.onnx').write_text('not a protobuf')
        argv, expected = ['--model', str(tmp_path / 'junk.onnx'), *io], 'is not an ONNX'
    assert expected in bad_input_error(main, argv, capsys)
    assert not (tmp_path / 'sr').exists()  # nothing written
