"""The evaluation table step: per-clip PSNR/SSIM from BasicSR's metric functions,
Vid4 clip folders and Vimeo-T motion splits, Markdown/CSV output, clear errors."""
import csv
import glob
import math
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest

from basicsr.metrics import calculate_psnr, calculate_ssim
from std_plugin.cli import eval_table
from std_plugin.evaluation.clip_metrics import AVERAGE, EvaluationError, evaluate_methods
from std_plugin.evaluation.table_format import render_csv
from tests.conftest import TINY_STUDENT, run_cli, val_dataset, write_yaml

SIZE = (24, 32)  # h, w
VID4_CLIPS = {'calendar': 3, 'city': 2}
VIMEO_SPLITS = {'fast': ['00001/0001', '00001/0002'], 'medium': ['00002/0007'], 'slow': ['00003/0100']}


def write(path, img):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), img)


def gt_image(seed):
    # 10..240 so that GT + 5 never clips and the hand-computed MSE stays exact
    return np.random.default_rng(seed).integers(10, 241, SIZE + (3,), dtype=np.uint8)


def degrade(gt, seed):
    noise = np.random.default_rng(1000 + seed).normal(0, 3 + seed, gt.shape)
    return np.clip(gt + noise, 0, 255).round().astype(np.uint8)


def make_vid4(root, sr_layouts):
    """GT/<clip>/<frame>.png and, per method, its SR frames in the given name format."""
    for c, (clip, num) in enumerate(VID4_CLIPS.items()):
        for t in range(num):
            gt = gt_image(10 * c + t)
            write(osp.join(root, 'GT', clip, f'{t:08d}.png'), gt)
            for m, (method, name) in enumerate(sr_layouts.items()):
                write(osp.join(root, method, clip, name.format(f'{t:08d}')), degrade(gt, 10 * c + t + m))
    return osp.join(root, 'GT')


def make_vimeo(root, suffix='STD'):
    """GT/<seq>/<sub>/im4.png, SR in BasicSR's vimeo90k/<seq>_<sub>_im4_<suffix>.png, split files."""
    splits = {}
    for s, (label, keys) in enumerate(VIMEO_SPLITS.items()):
        for k, key in enumerate(keys):
            gt = gt_image(100 + 10 * s + k)
            write(osp.join(root, 'GT', key, 'im4.png'), gt)
            write(osp.join(root, 'SR', 'vimeo90k', f"{key.replace('/', '_')}_im4_{suffix}.png"),
                  degrade(gt, 3 * s + k))
        splits[label] = osp.join(root, f'sep_{label}_testset.txt')
        with open(splits[label], 'w') as f:
            f.writelines(key + '\n' for key in keys)
    return osp.join(root, 'GT'), osp.join(root, 'SR'), splits


def basicsr_scores(sr_path, gt_path, crop_border):
    sr, gt = cv2.imread(sr_path), cv2.imread(gt_path)
    return {(channel, name): metric(sr, gt, crop_border, test_y_channel=channel == 'Y')
            for channel in ('Y', 'RGB') for name, metric in (('PSNR', calculate_psnr), ('SSIM', calculate_ssim))}


def mean(scores):
    return {key: np.mean([s[key] for s in scores]) for key in scores[0]}


def expected_clip(root, clip, method, name, crop_border):
    gts = sorted(glob.glob(osp.join(root, 'GT', clip, '*.png')))
    return mean([basicsr_scores(osp.join(root, method, clip, name.format(osp.basename(g)[:-4])), g, crop_border)
                 for g in gts])


def assert_values(actual, expected):
    assert actual.keys() == expected.keys()
    for key in expected:
        assert actual[key] == pytest.approx(expected[key], rel=1e-12), key


def test_vid4_table_reproduces_basicsr_metrics(tmp_path):
    gt_dir = make_vid4(tmp_path, {'STD': '{}_STD.png'})
    table = evaluate_methods({'STD': str(tmp_path / 'STD')}, gt_dir, dataset='Vid4', crop_border=2)
    assert table.columns == ['calendar', 'city']
    values = table.rows[0].values
    clips = {clip: expected_clip(tmp_path, clip, 'STD', '{}_STD.png', 2) for clip in VID4_CLIPS}
    for clip in VID4_CLIPS:
        assert_values(values[clip], clips[clip])
    assert_values(values[AVERAGE], mean(list(clips.values())))  # mean of clip means, not of 5 frames
    assert table.counts == {'calendar': (1, 3), 'city': (1, 2), AVERAGE: (2, 5)}


def test_psnr_against_a_hand_computation_from_the_mse(tmp_path):
    gt = gt_image(0)
    write(tmp_path / 'GT' / 'walk' / '0000.png', gt)
    write(tmp_path / 'SR' / 'walk' / '0000.png', gt + 5)  # every pixel off by 5: MSE = 25
    values = evaluate_methods({'x': str(tmp_path / 'SR')}, str(tmp_path / 'GT'), crop_border=4).rows[0].values
    assert values['walk'][('RGB', 'PSNR')] == pytest.approx(10 * math.log10(255 ** 2 / 25), abs=1e-9)
    # Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255: an offset of 5 moves Y by 5 * 219 / 255
    y_mse = (5 * 219 / 255) ** 2
    assert values[AVERAGE][('Y', 'PSNR')] == pytest.approx(10 * math.log10(255 ** 2 / y_mse), abs=1e-4)


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


def test_cli_writes_markdown_and_csv_with_methods_as_rows(tmp_path, capsys):
    gt_dir = make_vid4(tmp_path, {'bicubic': '{}.png', 'std': '{}_STD_FastDVDnetVSR.png'})
    out = tmp_path / 'tables'
    assert eval_table.main(['folders', '--gt', gt_dir, '--sr', f'Bicubic={tmp_path / "bicubic"}',
                            '--sr', str(tmp_path / 'std'), '--out', str(out), '--workers', '1']) is None
    rows = read_csv(out / 'table_Vid4.csv')
    assert rows[0] == ['dataset', 'method', 'channel', 'metric', 'crop_border', 'Calendar', 'City', 'Average']
    assert [r[1:4] for r in rows[1:]] == [[m, c, k] for m in ('Bicubic', 'std') for c in ('Y', 'RGB')
                                          for k in ('PSNR', 'SSIM')]
    expected = expected_clip(tmp_path, 'city', 'std', '{}_STD_FastDVDnetVSR.png', 0)
    assert float(rows[5][6]) == pytest.approx(expected[('Y', 'PSNR')], abs=1e-6)
    assert float(rows[8][6]) == pytest.approx(expected[('RGB', 'SSIM')], abs=1e-6)

    markdown = (out / 'table_Vid4.md').read_text()
    assert markdown in capsys.readouterr().out
    assert markdown.count('| Method | Calendar | City | Average |') == 2  # Y table, RGB table
    assert '**Vid4: PSNR (dB) / SSIM, Y channel, crop border 0**' in markdown
    assert '**Vid4: PSNR (dB) / SSIM, RGB channel, crop border 0**' in markdown
    std_y = next(line for line in markdown.splitlines() if line.startswith('| std |'))
    assert f"{expected[('Y', 'PSNR')]:.2f}/{expected[('Y', 'SSIM')]:.4f}" in std_y
    assert 'Clips/frames: Calendar 1/3, City 1/2, Average 2/5.' in markdown


def test_vimeo_t_columns_from_motion_split_files(tmp_path):
    gt_dir, sr_dir, splits = make_vimeo(tmp_path)
    table = evaluate_methods({'STD': sr_dir}, gt_dir, dataset='Vimeo90K-T', splits=splits, workers=2)
    values = table.rows[0].values
    per_seq = {key: basicsr_scores(glob.glob(osp.join(sr_dir, 'vimeo90k', key.replace('/', '_') + '_*'))[0],
                                   osp.join(gt_dir, key, 'im4.png'), 0)
               for keys in VIMEO_SPLITS.values() for key in keys}
    for label, keys in VIMEO_SPLITS.items():
        assert_values(values[label], mean([per_seq[k] for k in keys]))
    # Average is over all 4 sequences (BasicSR's one 'vimeo90k' folder), not over the 3 columns
    assert_values(values[AVERAGE], mean(list(per_seq.values())))
    assert values[AVERAGE][('Y', 'PSNR')] != pytest.approx(np.mean([values[s][('Y', 'PSNR')] for s in splits]))
    assert table.counts == {'fast': (2, 2), 'medium': (1, 1), 'slow': (1, 1), AVERAGE: (4, 4)}
    csv_head = render_csv(table).splitlines()[0]
    assert csv_head.endswith('Fast,Medium,Slow,Average')


def break_missing(tmp_path, paths):
    os.remove(paths['sr_frame'])
    return paths['sr_frame'], 'missing SR frame'


def break_size(tmp_path, paths):
    write(paths['sr_frame'], np.zeros((8, 8, 3), np.uint8))
    return paths['sr_frame'], 'size mismatch'


def break_empty(tmp_path, paths):
    for path in glob.glob(osp.join(paths['sr'], '*', '*')):
        os.remove(path)
    for path in glob.glob(osp.join(paths['sr'], '*')):
        os.rmdir(path)
    return paths['sr'], 'is an empty folder'


def break_split(tmp_path, paths):
    with open(paths['splits']['slow'], 'a') as f:
        f.write('00009/0001\n')
    return paths['splits']['slow'], 'line 2: unknown sequence 00009/0001'


@pytest.mark.parametrize('breaker', [break_missing, break_size, break_empty, break_split])
def test_bad_input_fails_with_one_line_naming_the_file(tmp_path, capsys, breaker):
    gt_dir, sr_dir, splits = make_vimeo(tmp_path)
    paths = dict(sr=sr_dir, splits=splits, sr_frame=osp.join(sr_dir, 'vimeo90k', '00001_0002_im4_STD.png'))
    culprit, what = breaker(tmp_path, paths)
    args = ['folders', '--gt', gt_dir, '--sr', sr_dir, '--workers', '1', '--out', str(tmp_path / 'out'),
            '--splits', *splits.values()]
    with pytest.raises(SystemExit) as exit_:
        eval_table.main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('std-table: error:')
    assert culprit in err[0] and what in err[0]
    assert not (tmp_path / 'out').exists()


def test_empty_gt_clip_folder_is_an_error(tmp_path):
    gt_dir = make_vid4(tmp_path, {'STD': '{}.png'})
    os.makedirs(osp.join(gt_dir, 'walk'))
    with pytest.raises(EvaluationError, match=re.escape(osp.join(gt_dir, 'walk')) + ' holds no images'):
        evaluate_methods({'STD': str(tmp_path / 'STD')}, gt_dir)


def logged_metrics(results_dir, dataset):
    """{metric: {folder or 'Average': value}} from BasicSR's 'Validation <dataset>' log lines."""
    log = open(glob.glob(osp.join(results_dir, 'test_*.log'))[0]).read()
    block = log.split(f'Validation {dataset}\n', 1)[1].splitlines()
    out = {}
    for line in (line for line in block[:4] if line.startswith('\t #')):
        (metric, average), *folders = re.findall(r'# (\S+): ([-\d.]+)', line)
        out[metric] = {AVERAGE: float(average), **{k: float(v) for k, v in folders}}
    return out


def test_table_after_basicsr_test_pipeline_matches_its_log(tmp_path, tiny_root):
    vimeo = tiny_root['vimeo']
    opt = dict(name='tiny_std', model_type='STDModel', scale=4, num_gpu=0, manual_seed=0,
               datasets=dict(test_1=val_dataset(tiny_root['vid4']),
                             test_2=dict(val_dataset(vimeo, 'Vimeo90K-T'), type='VideoTestVimeo90KDataset',
                                         meta_info_file=vimeo['meta'])),
               network_g=dict(TINY_STUDENT), path=dict(pretrain_network_g=None),
               val=dict(save_img=True, suffix=None, metrics={
                   m: dict(type=f'calculate_{m}', crop_border=0, test_y_channel=True) for m in ('psnr', 'ssim')}))
    yml = write_yaml(tmp_path / 'test.yml', opt)
    run_cli(['-m', 'std_plugin.test', '-opt', yml], cwd=tmp_path)
    fast = tmp_path / 'sep_fast_testset.txt'
    fast.write_text('00001/0001\n')
    slow = tmp_path / 'sep_slow_testset.txt'
    slow.write_text('00001/0002\n')

    assert eval_table.main(['test', '-opt', str(yml), '--root', str(tmp_path), '--workers', '1',
                            '--splits', str(fast), str(slow)]) is None
    results = tmp_path / 'results' / 'tiny_std'
    for dataset, columns in (('Vid4', {'Calendar': 'calendar', 'City': 'city'}), ('Vimeo90K-T', {})):
        rows = read_csv(results / f'table_{dataset}.csv')
        logged = logged_metrics(results, dataset)
        for row in rows[1:]:
            if row[2] == 'Y':
                got = dict(zip(rows[0][5:], map(float, row[5:])))
                want = logged[row[3].lower()]
                for column, folder in dict(columns, Average=AVERAGE).items():
                    assert got[column] == pytest.approx(want[folder], abs=1.5e-4), (dataset, row[3], column)
