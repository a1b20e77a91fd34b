"""std-infer, tiling and std-export on tiny random networks (CPU, seconds)."""
import os

import cv2
import mmcv
import numpy as np
import pytest
import torch
from torch import nn

from basicsr.archs import build_network
from basicsr.utils import img2tensor, tensor2img
from std_plugin.cli import export, infer
from std_plugin.inference.frame_source import sliding_windows
from std_plugin.inference.onnx_export import max_abs_diff, onnx_session
from std_plugin.inference.tiling import receptive_radius, tiled_forward
from tests.conftest import TINY_EDVR, TINY_STUDENT

FRAMES, H, W = 9, 24, 32
# FastDVDnetVSR's receptive-field radius is 81 LR px whatever its widths
# (measured with receptive_radius on 256x256): 84 is the next multiple of 4.
EXACT_OVERLAP = 84


def arch_args(opt):
    return ['--arch', opt['type']] + [a for k, v in opt.items() if k != 'type' for a in ('--arch-opt', f'{k}={v}')]


def save_random(opt, path):
    torch.manual_seed(0)
    net = build_network(dict(opt))
    torch.save({'params': net.state_dict()}, path)
    return net.eval()


def random_student(tmp_path_factory, opt):
    """(net, checkpoint path) of a seeded random network of `opt`."""
    path = str(tmp_path_factory.mktemp('ckpt') / 'student.pth')
    return save_random(opt, path), path


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    return random_student(tmp_path_factory, TINY_STUDENT)


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('video') / 'clip.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (W, H))
    rng = np.random.default_rng(0)
    for _ in range(FRAMES):
        writer.write(rng.integers(0, 256, (H, W, 3), dtype=np.uint8))
    writer.release()
    return path


@torch.no_grad()
def direct_sr(net, frames, indices):
    """The reference: one forward on the window, quantised like std-infer's PNGs."""
    window = torch.stack([img2tensor(frames[i].astype(np.float32) / 255.) for i in indices]).unsqueeze(0)
    return tensor2img(net(window)[0])


def test_infer_video_matches_direct_forward(student, video, tmp_path):
    net, ckpt = student
    out = tmp_path / 'sr'
    infer.main(['--model', ckpt, *arch_args(TINY_STUDENT), '--input', video, '--out', str(out),
                '--video', str(tmp_path / 'sr.mp4')])
    names = sorted(os.listdir(out))
    assert names == [f'{i:08d}.png' for i in range(FRAMES)]
    # A codec is lossy: the reference decodes the same file with the same reader.
    reader = mmcv.VideoReader(video)
    frames = [reader[i] for i in range(FRAMES)]
    for t, window in ((4, range(1, 8)), (0, [0, 0, 0, 0, 1, 2, 3])):  # interior, replicated border
        got = cv2.imread(str(out / names[t]))
        assert got.shape == (4 * H, 4 * W, 3)
        diff = np.abs(got.astype(np.float64) - direct_sr(net, frames, window)).max() / 255.
        assert diff <= 1e-4, f'frame {t}: {diff}'
    sr_video = mmcv.VideoReader(str(tmp_path / 'sr.mp4'))
    assert (len(sr_video), sr_video.width, sr_video.height) == (FRAMES, 4 * W, 4 * H)


def write_folder(folder, names, h, w):
    folder.mkdir()
    for name in names:
        cv2.imwrite(str(folder / name), np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8))
    return str(folder)


def test_infer_folder_any_size_keeps_names_and_tiles(student, tmp_path):
    # 22x30 is not a multiple of 4: padded to 24x32, run in 16 px tiles, cropped back.
    folder = write_folder(tmp_path / 'lr', ['a_01.png', 'a_02.jpg', 'a_03.png'], 22, 30)
    infer.main(['--model', student[1], *arch_args(TINY_STUDENT), '--input', folder, '--out', str(tmp_path / 'sr'),
                '--tile', '16', '--tile-overlap', '8'])
    assert sorted(os.listdir(tmp_path / 'sr')) == ['a_01.png', 'a_02.png', 'a_03.png']
    assert cv2.imread(str(tmp_path / 'sr' / 'a_02.png')).shape == (88, 120, 3)


def test_infer_folder_reads_frames_in_natural_order(student, tmp_path):
    # f1 ... f12: plain sorting reads f1, f10, f11, f12, f2, ..., and each window would mix far-apart frames.
    net, ckpt = student
    count = 12
    folder = tmp_path / 'lr'
    folder.mkdir()
    frames = [np.full((8, 12, 3), 20 * (i + 1), np.uint8) for i in range(count)]  # f<i+1> is grey 20(i+1)
    for i, img in enumerate(frames):
        cv2.imwrite(str(folder / f'f{i + 1}.png'), img)
    infer.main(['--model', ckpt, *arch_args(TINY_STUDENT), '--input', str(folder), '--out', str(tmp_path / 'sr'),
                '--video', str(tmp_path / 'sr.mp4')])
    outputs = [cv2.imread(str(tmp_path / 'sr' / f'f{i + 1}.png')).astype(np.float64) for i in range(count)]
    for i, got in enumerate(outputs):  # each from the window of its natural neighbours, borders replicated
        assert np.abs(got - direct_sr(net, frames, np.clip(np.arange(i - 3, i + 4), 0, count - 1))).max() <= 1
    # The video holds the frames in the order they were read: video frame k is f<k+1>'s, by its grey level.
    reader = mmcv.VideoReader(str(tmp_path / 'sr.mp4'))
    order = [int(np.argmin([abs(reader[k].mean() - out.mean()) for out in outputs])) for k in range(len(reader))]
    assert order == list(range(count))


def test_infer_runs_basicsr_edvr(tmp_path):
    edvr = dict(TINY_EDVR, num_frame=3)  # EDVR has no num_frame attribute: read from its options
    ckpt = str(tmp_path / 'edvr.pth')
    save_random(edvr, ckpt)
    folder = write_folder(tmp_path / 'lr', ['0.png', '1.png'], 10, 14)  # deform convs are slow on CPU: tiny
    infer.main(['--model', ckpt, *arch_args(edvr), '--input', folder, '--out', str(tmp_path / 'sr')])
    assert cv2.imread(str(tmp_path / 'sr' / '1.png')).shape == (40, 56, 3)


@pytest.mark.parametrize('size', [(230, 12), (12, 230)])
def test_tiling_equals_whole_frame_with_receptive_field_overlap(student, size):
    net = student[0]  # eval mode: BatchNorm is a per-channel affine map
    torch.manual_seed(1)
    window = torch.rand(1, 7, 3, *size)
    with torch.no_grad():
        whole = tiled_forward(net, window)
        exact = tiled_forward(net, window, tile=32, overlap=EXACT_OVERLAP)
        seams = tiled_forward(net, window, tile=32, overlap=0)
    assert whole.shape == (1, 3, 4 * size[0], 4 * size[1])
    assert (exact - whole).abs().max() <= 1e-4
    assert (seams - whole).abs().max() > 1e-4  # the overlap is what makes it exact


def test_receptive_radius_of_a_conv_stack():
    class ThreeConvs(nn.Module):  # radius 3 on the centre frame, x2 output
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*[nn.Conv2d(3, 3, 3, padding=1) for _ in range(3)], nn.Upsample(scale_factor=2))

        def forward(self, x):
            return self.body(x[:, x.shape[1] // 2])

    assert receptive_radius(ThreeConvs().eval(), num_frame=3, size=32) == 3


def test_sliding_windows_read_each_frame_once_and_hold_one_window():
    loaded = []

    def load(i):
        loaded.append(i)
        return i

    windows = [w for _, w in sliding_windows(6, 5, load)]
    assert loaded == list(range(6))
    assert windows[0] == [0, 0, 0, 1, 2] and windows[5] == [3, 4, 5, 5, 5]


def test_onnx_matches_pytorch_on_two_sizes(student, tmp_path, capsys):
    net, ckpt = student
    path = str(tmp_path / 'student.onnx')
    # params_ema is absent: falls back to params as BasicSR does.
    export.main(['--model', ckpt, *arch_args(TINY_STUDENT), '--out', path, '--size', '32x32',
                 '--param-key', 'params_ema'])
    assert capsys.readouterr().out.count('max abs diff') == 2
    session = onnx_session(path)
    for shape in ((1, 7, 3, 32, 32), (2, 7, 3, 24, 44)):
        assert max_abs_diff(session, net, torch.rand(shape)) <= 1e-4


def bad_input_error(main, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and 'Traceback' not in err
    return err.strip().splitlines()[-1]


def test_infer_bad_inputs_are_one_line_exit_2(student, video, tmp_path, capsys):
    ckpt = student[1]
    args = ['--model', ckpt, *arch_args(TINY_STUDENT), '--out', str(tmp_path / 'sr')]
    missing = str(tmp_path / 'nope.mp4')
    assert missing in bad_input_error(infer.main, args + ['--input', missing], capsys)
    (tmp_path / 'empty').mkdir()
    assert 'is an empty folder' in bad_input_error(infer.main, args + ['--input', str(tmp_path / 'empty')], capsys)
    (tmp_path / 'sr').mkdir()
    (tmp_path / 'sr' / 'old.png').write_bytes(b'')
    assert '--overwrite' in bad_input_error(infer.main, args + ['--input', video], capsys)


def test_export_wrong_checkpoint_is_one_line_exit_2(student, tmp_path, capsys):
    line = bad_input_error(export.main, ['--model', student[1], '--arch', 'FastDVDnetVSR',  # default widths
                                         '--out', str(tmp_path / 'x.onnx')], capsys)
    assert 'does not fit FastDVDnetVSR' in line
    line = bad_input_error(export.main, ['--model', student[1], *arch_args(TINY_STUDENT), '--param-key', 'none',
                                         '--out', str(tmp_path / 'x.onnx')], capsys)
    assert 'does not fit' in line
