"""Second round of bad input (issue 14): non-finite weights, text or empty
checkpoints, outputs that would land on the input. Each is one line, exit 2."""
import copy
import os
import re
import shutil

import cv2
import numpy as np
import pytest
import torch

from basicsr.models import build_model
from std_plugin.cli import export, infer
from std_plugin.core.checkpoints import read_checkpoint
from std_plugin.core.errors import CheckpointError
from basicsr.archs import build_network
from tests.conftest import TINY_EDVR, TINY_STUDENT, add_teacher, base_options, run_cli, write_yaml
from tests.test_infer_export import arch_args, bad_input_error, save_random, write_folder

# TINY_EDVR's conv_first is Conv2d(3, 8, 3): 8 * 3 * 3 * 3 weights.
EDVR_CONV_FIRST_WEIGHTS = 216


@pytest.fixture
def opt(tmp_path, tiny_root, teacher_ckpt):
    o = add_teacher(base_options('faults', tiny_root), teacher_ckpt)
    o.update(is_train=True, dist=False, rank=0, world_size=1)
    o['path'].update(experiments_root=str(tmp_path / 'exp'), models=str(tmp_path), training_states=str(tmp_path))
    return o


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny_student.pth')
    return save_random(TINY_STUDENT, path), path


def with_nan(src, dst, key, index=0, value=float('nan')):
    ckpt = torch.load(src, weights_only=True)
    ckpt['params'][key].view(-1)[index] = value
    torch.save(ckpt, dst)
    return str(dst)


def test_nan_teacher_is_refused_before_any_forward(opt, tmp_path, teacher_ckpt):
    opt['path']['pretrain_network_t'] = with_nan(teacher_ckpt, tmp_path / 't.pth', 'conv_first.weight')
    with pytest.raises(CheckpointError, match=r'network_t: .*t.pth holds non-finite weights: conv_first.weight '
                                              rf'has 1 NaN/Inf of {EDVR_CONV_FIRST_WEIGHTS} values'):
        build_model(opt)


def test_inf_student_and_convlstm_checkpoints_are_refused(opt, tmp_path, student):
    opt['path']['pretrain_network_g'] = with_nan(student[1], tmp_path / 'g.pth', 'conv_hr.bias', 2, float('inf'))
    with pytest.raises(CheckpointError, match=r'g.pth holds non-finite weights: conv_hr.bias has 1 NaN/Inf'):
        build_model(copy.deepcopy(opt))
    opt['path']['pretrain_network_g'] = None
    lstm = build_model(copy.deepcopy(opt)).net_lstm
    bad = {k: v.clone() for k, v in lstm.state_dict().items()}
    first = next(k for k, v in bad.items() if v.is_floating_point())
    bad[first].fill_(float('nan'))
    torch.save({'params': bad}, tmp_path / 'lstm.pth')
    opt['path']['pretrain_network_lstm'] = str(tmp_path / 'lstm.pth')
    with pytest.raises(CheckpointError, match=rf'path.pretrain_network_lstm: .*holds non-finite weights: {first} '
                                              rf'has {bad[first].numel()} NaN/Inf'):
        build_model(opt)


def test_nan_teacher_training_is_one_line_exit_2(tmp_path, tiny_root, teacher_ckpt):
    o = add_teacher(base_options('nan', tiny_root, val=False), with_nan(teacher_ckpt, tmp_path / 't.pth',
                                                                          'conv_first.weight', 5))
    proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', o)], cwd=tmp_path, check=False)
    assert proc.returncode == 2, proc.stdout[-2000:]  # not -11 (segfault in deform_conv2d)
    assert proc.stdout.strip().splitlines()[-1] == (
        f'std-train: error: network_t: {tmp_path / "t.pth"} holds non-finite weights: conv_first.weight has 1 '
        f'NaN/Inf of {EDVR_CONV_FIRST_WEIGHTS} values (a diverged run?); expected finite weights')
    assert 'Traceback' not in proc.stdout


@pytest.mark.parametrize('content, message', [
    ('# my teacher\nparams: edvr\n', r"is not a PyTorch checkpoint \(it starts with b'# my teacher'"),
    ('', r'is empty \(0 bytes\)'),
])
def test_text_or_empty_checkpoint_is_one_line(tmp_path, content, message):
    path = tmp_path / 'ckpt.pth'
    path.write_text(content)
    with pytest.raises(CheckpointError, match=f'network_t: {path} {message}'):
        read_checkpoint(str(path), 'network_t')


def test_text_and_nan_checkpoints_in_std_infer_and_std_export(student, tmp_path, capsys):
    text = tmp_path / 'text.pth'
    text.write_text('abc')  # torch.load's unpickler: IndexError: pop from empty list
    nan = with_nan(student[1], tmp_path / 'nan.pth', 'conv_hr.weight', 7)
    frames = write_folder(tmp_path / 'lr', ['0.png'], 8, 8)
    for prog, main, extra in (('std-infer', infer.main, ['--input', frames, '--out', str(tmp_path / 'sr')]),
                              ('std-export', export.main, ['--out', str(tmp_path / 'x.onnx')])):
        args = [*arch_args(TINY_STUDENT), *extra]
        assert bad_input_error(main, ['--model', str(text), *args], capsys) == (
            f"{prog}: error: --model: {text} is not a PyTorch checkpoint (it starts with b'abc', expected a file "
            'written by torch.save)')
        line = bad_input_error(main, ['--model', nan, *args], capsys)
        assert line.endswith(f'--model: {nan} holds non-finite weights: conv_hr.weight has 1 NaN/Inf of '
                             f'{TINY_STUDENT["num_feat"] * 8 * 9} values (a diverged run?); expected finite weights')
    assert not (tmp_path / 'sr').exists() and not (tmp_path / 'x.onnx').exists()


def test_std_export_refuses_a_nan_output_and_writes_nothing(tmp_path, capsys):
    # Finite weights whose output overflows float32 to inf (then inf - inf = nan in the check).
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'huge.pth')
    net = save_random(TINY_STUDENT, ckpt)
    torch.save({'params': {k: v * 1e12 if v.is_floating_point() else v for k, v in net.state_dict().items()}}, ckpt)
    out = tmp_path / 'x.onnx'
    with pytest.raises(SystemExit) as exit_info:
        export.main(['--model', ckpt, *arch_args(TINY_STUDENT), '--out', str(out), '--size', '16x16'])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f'std-export: error: ONNX differs from PyTorch (an output is NaN/Inf); {out} not written')
    assert os.listdir(tmp_path) == ['huge.pth']  # neither the file nor its staging sibling


def test_std_infer_never_writes_onto_its_input(student, tmp_path, capsys):
    frames = write_folder(tmp_path / 'lr', ['0.png', '1.png'], 8, 8)
    before = {n: (tmp_path / 'lr' / n).read_bytes() for n in os.listdir(frames)}
    args = ['--model', student[1], *arch_args(TINY_STUDENT), '--input', frames, '--overwrite']
    for out in (frames, frames + '/', os.path.join(frames, 'sr'), str(tmp_path)):
        line = bad_input_error(infer.main, args + ['--out', out], capsys)
        assert line == (f'std-infer: error: --out: {out} is, contains or lies inside the --input folder {frames}; '
                        'expected a separate folder (the input would be overwritten or mixed with results)')
    assert {n: (tmp_path / 'lr' / n).read_bytes() for n in os.listdir(frames)} == before
    (tmp_path / 'taken.png').write_bytes(b'x')
    line = bad_input_error(infer.main, args + ['--out', str(tmp_path / 'taken.png')], capsys)
    assert line == f'std-infer: error: --out: {tmp_path / "taken.png"} is a file; expected a folder'
    assert cv2.imread(str(tmp_path / 'lr' / '0.png')) is not None


def test_std_export_out_that_is_a_folder(student, tmp_path, capsys):
    line = bad_input_error(export.main, ['--model', student[1], *arch_args(TINY_STUDENT), '--out', str(tmp_path)],
                           capsys)
    assert line == f'std-export: error: --out: {tmp_path} is a folder; expected a file name'


def test_datasets_prep_video_corrupt_from_its_middle_is_an_error(tmp_path, capsys):
    from std_plugin.cli.prep import video
    from tests.test_datasets_prep import status
    movie = tmp_path / 'movie.avi'
    writer = cv2.VideoWriter(str(movie), cv2.VideoWriter_fourcc(*'MJPG'), 10, (32, 24))
    for i in range(10):
        writer.write(np.random.default_rng(i).integers(0, 256, (24, 32, 3), dtype=np.uint8))
    writer.release()
    movie.write_bytes(movie.read_bytes()[:movie.stat().st_size // 2])  # container still says 10 frames
    out = tmp_path / 'out'
    assert status(video, ['--input', str(movie), '--out', str(out), '--layout', 'vid4', '--workers', '1']) == 2
    err = capsys.readouterr().err
    assert f'{movie}: frame ' in err and ' of 10 cannot be decoded (truncated or corrupt video)' in err
    assert not out.exists() or not any(out.rglob('*.png'))


def test_std_infer_refuses_a_nan_output(tmp_path, capsys):
    # Finite weights whose output overflows float32: NaN would become black uint8 frames.
    ckpt = str(tmp_path / 'huge.pth')
    net = save_random(TINY_STUDENT, ckpt)
    torch.save({'params': {k: v * 1e12 if v.is_floating_point() else v for k, v in net.state_dict().items()}}, ckpt)
    frames = write_folder(tmp_path / 'lr', ['a.png', 'b.png'], 8, 8)
    line = bad_input_error(infer.main, ['--model', ckpt, *arch_args(TINY_STUDENT), '--input', frames, '--out',
                                        str(tmp_path / 'sr')], capsys)
    assert line == (f'std-infer: error: frame a.png: the network output holds NaN/Inf (tile at LR y=0, x=0); '
                    f'--model {ckpt} gives no valid result (0 frames written to {tmp_path / "sr"})')
    assert os.listdir(tmp_path / 'sr') == []


# Third round (issue 23): classes of fault; the matrix is tests/test_fault_matrix.py,
# these are the cases it cannot express as one cell.

def test_std_infer_video_inside_the_input_folder_is_refused_with_overwrite(student, tmp_path, capsys):
    frames = write_folder(tmp_path / 'lr', ['00000003.png', '00000004.png'], 8, 8)
    before = (tmp_path / 'lr' / '00000003.png').read_bytes()
    video = os.path.join(frames, '00000003.png')
    line = bad_input_error(infer.main, ['--model', student[1], *arch_args(TINY_STUDENT), '--input', frames,
                                        '--out', str(tmp_path / 'o'), '--video', video, '--overwrite'], capsys)
    assert line == (f'std-infer: error: --video: {video} is, contains or lies inside the --input folder {frames}; '
                    'expected a separate file (the input would be overwritten or mixed with results)')
    assert (tmp_path / 'lr' / '00000003.png').read_bytes() == before and not (tmp_path / 'o').exists()


def test_a_full_disk_during_training_stops_at_the_failed_checkpoint(tmp_path, tiny_root):
    o = base_options('full', tiny_root, iters=3, val=False)
    o['logger']['save_checkpoint_freq'] = 1
    proc = run_cli(['-m', 'tests.fault_driver', '-opt', write_yaml(tmp_path / 'o.yml', o)], cwd=tmp_path, check=False)
    exp = tmp_path / 'experiments' / 'full'
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == (
        f'std_plugin: error: path.models: cannot save a checkpoint: no space left on {exp / "models" / ".saving"} '
        '(the disk is full); training stops (a run that cannot checkpoint should not go on); the last good '
        f'checkpoint is {exp / "models" / "net_g_1.pth"} with {exp / "training_states" / "1.state"} '
        '(--auto_resume continues from it)')
    assert 'Traceback' not in proc.stdout
    assert read_checkpoint(str(exp / 'training_states' / '1.state'))['iter'] == 1  # intact
    visible = {d: sorted(n for n in os.listdir(exp / d) if not n.startswith('.'))
               for d in ('models', 'training_states')}
    assert visible == {'models': ['net_g_1.pth'], 'training_states': ['1.state']}


def test_auto_resume_finds_the_run_wherever_the_command_runs(tmp_path, monkeypatch):
    from std_plugin.training import resume
    exp = tmp_path / 'checkout' / 'experiments' / 'run'
    (exp / 'training_states').mkdir(parents=True)
    torch.save({'iter': 2, 'epoch': 0, 'optimizers': [], 'schedulers': []}, exp / 'training_states' / '2.state')
    opt = {'name': 'run', 'auto_resume': True, 'network_g': dict(TINY_STUDENT),
           'path': {'experiments_root': str(exp), 'models': str(exp / 'models'),
                    'training_states': str(exp / 'training_states'), 'resume_state': None}}
    (tmp_path / 'elsewhere').mkdir()
    monkeypatch.chdir(tmp_path / 'elsewhere')  # `python checkout/train.py --auto_resume` from another folder
    state = resume.load_resume_state(opt)
    assert state['iter'] == 2 and opt['path']['resume_state'] == str(exp / 'training_states' / '2.state')
    assert opt['path']['pretrain_network_g'] == str(exp / 'models' / 'net_g_2.pth')


def test_a_second_training_of_one_experiment_names_the_holder(tmp_path, tiny_root):
    from std_plugin.training.run_lock import experiment_lock_path, try_lock
    o = base_options('locked', tiny_root, val=False)
    exp = tmp_path / 'experiments' / 'locked'
    exp.parent.mkdir()
    holder = try_lock(experiment_lock_path(str(exp)))  # this process plays the first run
    try:
        proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', o), '--auto_resume'],
                       cwd=tmp_path, check=False)
    finally:
        holder.close()
    assert proc.returncode == 2
    assert proc.stdout.strip().splitlines()[-1] == (
        f'std-train: error: {exp}: another process (PID {os.getpid()}) is training experiment locked; wait for it '
        f'to finish or stop it (lock file {tmp_path / "experiments" / ".locked.lock"})')
    assert not exp.exists()  # nothing archived, nothing written


def tiny_edvr_checkpoint(path, **changes):
    torch.manual_seed(0)
    torch.save({'params': build_network(dict(TINY_EDVR, **changes)).state_dict()}, path)
    return str(path)


def test_non_strict_teacher_load_lists_the_keys_left_random(tmp_path, caplog):
    from std_plugin.distill.teacher import build_teacher
    ckpt = tiny_edvr_checkpoint(tmp_path / 't.pth')  # without TSA
    opt = {'network_t': dict(TINY_EDVR, with_tsa=True),
           'path': {'pretrain_network_t': ckpt, 'param_key_t': 'params', 'strict_load_t': False}}
    tsa_keys = sorted(k for k in build_network(dict(TINY_EDVR, with_tsa=True)).state_dict() if k.startswith('fusion.'))
    with caplog.at_level('WARNING', logger='basicsr'):
        build_teacher(opt, 'cpu')
    warning = [r.getMessage() for r in caplog.records if 'non-strictly' in r.getMessage()]
    assert len(warning) == 1 and warning[0].startswith(f'network_t: {ckpt} loaded non-strictly into EDVR: ')
    assert all(k in warning[0] for k in tsa_keys if k.startswith('fusion.tsa'))


def test_param_key_fallback_is_named(tmp_path, caplog):
    from std_plugin.core.checkpoints import select_params
    with caplog.at_level('WARNING', logger='basicsr'):
        assert select_params({'params': {'w': 1}}, 'x.pth', 'params_ema', 'network_t') == {'w': 1}
    assert caplog.records[-1].getMessage() == ("network_t: x.pth has no 'params_ema' entry (param_key); loading its "
                                               "'params' instead")


def test_duplicated_meta_info_clip_is_named(opt, tmp_path, capsys):
    from std_plugin.training.option_checks import check_options
    meta = tmp_path / 'meta.txt'
    meta.write_text('00001/0001 7 (32,32,3)\n00001/0002 7 (32,32,3)\n00001/0001 7 (32,32,3)\n')
    opt['datasets']['train']['meta_info_file'] = str(meta)
    check_options(opt)
    assert capsys.readouterr().err.strip() == (
        f"std_plugin: warning: datasets.train.meta_info_file: {meta} lists 1 clip(s) twice, which are drawn twice "
        "as often: '00001/0001' (lines 1 and 3)")


def test_stale_lr_lmdb_of_other_footage_is_caught_before_training(opt, tiny_root, tmp_path):
    from basicsr.utils.lmdb_util import LmdbMaker
    from std_plugin.core.errors import DataError
    from std_plugin.training.option_checks import check_options
    maker = LmdbMaker(str(tmp_path / 'LR.lmdb'))
    img = np.zeros((16, 16, 3), np.uint8)  # x2 frames left from another preparation
    for clip in ('00000/0001', '00001/0001', '00001/0002'):  # its first key is not the GT's
        for t in range(1, 8):
            maker.put(cv2.imencode('.png', img)[1].tobytes(), f'{clip}/im{t}', img.shape)
    maker.close()
    opt['datasets']['train']['dataroot_lq'] = str(tmp_path / 'LR.lmdb')
    with pytest.raises(DataError, match=r'holds 16x16 frames for the 32x32 GT frames .* x2, but scale is 4'):
        check_options(opt)


def test_std_table_crop_border_larger_than_the_frame(tmp_path, capsys):
    from std_plugin.cli import eval_table
    for root in ('gt', 'sr'):
        (tmp_path / root).mkdir()
        write_folder(tmp_path / root / 'clip', ['0.png'], 16, 16)
    line = bad_input_error(eval_table.main, ['folders', '--gt', str(tmp_path / 'gt'), '--sr', str(tmp_path / 'sr'),
                                             '--crop-border', '8', '--workers', '1'], capsys)
    assert line == (f'std-table: error: --crop-border 8: the GT frame {tmp_path / "gt" / "clip" / "0.png"} is 16x16, '
                    'which leaves 0x0 px; SSIM needs 11x11 (expected 0 <= --crop-border <= 2)')


def test_a_death_by_signal_still_says_where():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, '-c', 'from std_plugin.core.errors import install_faulthandler; '
                           'install_faulthandler(); import ctypes; ctypes.string_at(0)'],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode < 0 and 'Fatal Python error: Segmentation fault' in proc.stderr


def test_prep_overwrite_names_outputs_of_an_earlier_run_it_does_not_rewrite(tmp_path, capsys):
    from std_plugin.cli.prep import vid4
    from tests import tiny_data
    clips = tiny_data.make_vid4(str(tmp_path / 'src'), clips=(('a', 2),))
    out = tmp_path / 'out'
    argv = ['--input', clips['gt'], '--out', str(out), '--workers', '1']
    assert vid4(argv + ['--degradation', 'BI', 'BD']) == 0
    capsys.readouterr()
    assert vid4(argv + ['--degradation', 'BI', '--overwrite']) == 0
    warning = [line for line in capsys.readouterr().err.splitlines() if line.startswith('warning:')]
    assert warning == [f'warning: {out / "BDx4"}: left from an earlier run, not rewritten by this one; they do not '
                       'match the new outputs: delete them, or rerun with the --degradation/--lmdb options that '
                       'rewrite them']


def test_lr_lmdb_of_replaced_footage_is_caught_by_its_content(opt, tmp_path):
    import lmdb
    from std_plugin.core.errors import DataError
    from std_plugin.training.option_checks import check_options
    from tests import tiny_data
    remade = tiny_data.make_vimeo(str(tmp_path / 'remade'))  # the same scenes made again: accepted
    opt['datasets']['train']['dataroot_lq'] = remade['lq_lmdb']
    check_options(opt)
    env = lmdb.open(remade['lq_lmdb'], map_size=1 << 26)
    with env.begin(write=True) as txn:  # same keys and sizes, other scenes
        for key, _ in list(txn.cursor()):
            img = np.random.default_rng(len(key)).integers(0, 256, (8, 8, 3), dtype=np.uint8)
            txn.put(key, cv2.imencode('.png', img)[1].tobytes())
    env.close()
    with pytest.raises(DataError, match=r"the LR frame 00001/0001/im1.png of .* does not show the GT frame "
                                        r"00001/0001/im1.png .*\(correlation -?0\.\d\d with the GT shrunk"):
        check_options(opt)


def test_prep_verify_of_a_truncated_lmdb_is_one_line(tmp_path, capsys):
    from std_plugin.cli.prep import vimeo90k
    from tests.test_datasets_prep import make_vimeo, status
    root = make_vimeo(tmp_path / 'vimeo', np.random.default_rng(0), train=('00001/0001',), test=('00001/0002',))
    out = tmp_path / 'out'
    assert vimeo90k(['--input', str(root), '--out', str(out), '--lmdb', '--workers', '1']) == 0
    data = out / 'vimeo90k_train_GT.lmdb' / 'data.mdb'
    data.write_bytes(data.read_bytes()[:data.stat().st_size // 2])
    capsys.readouterr()
    assert status(vimeo90k, ['--out', str(out), '--lmdb', '--verify']) == 2  # was: killed by SIGBUS
    err = capsys.readouterr().err.strip().splitlines()
    lmdb_path = out / 'vimeo90k_train_GT.lmdb'
    assert len(err) == 1 and err[0].startswith(f'std-prep-vimeo90k: error: --verify: LMDB {lmdb_path} is truncated')


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 256 KiB file system, where the machine lets tests mount one (root
    with CAP_SYS_ADMIN); skipped elsewhere (the matrix patches the writes)."""
    import subprocess
    mount = tmp_path / 'small'
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip('cannot mount a tmpfs here')
    try:
        yield mount
    finally:
        subprocess.run(['umount', str(mount)], check=False)


def test_std_infer_on_a_disk_that_really_fills(student, tmp_path, small_tmpfs, capsys):
    frames = tmp_path / 'lr'
    frames.mkdir()
    for i in range(14):  # noise hardly compresses: an SR frame is about 170 KiB as PNG, 25 KiB in an MJPG video
        cv2.imwrite(str(frames / f'{i:02d}.png'), np.random.default_rng(i).integers(0, 256, (64, 64, 3), np.uint8))
    out = small_tmpfs / 'sr'
    line = bad_input_error(infer.main, ['--model', student[1], *arch_args(TINY_STUDENT), '--input', str(frames),
                                        '--out', str(out)], capsys)
    assert re.fullmatch(rf'std-infer: error: --out: no space left on {out}/\d\d\.png \(the disk is full\)', line)
    video = small_tmpfs / 'sr.mp4'  # OpenCV's writer reports nothing: the read-back finds it
    for name in os.listdir(small_tmpfs):
        if name != 'sr.mp4':
            shutil.rmtree(small_tmpfs / name) if (small_tmpfs / name).is_dir() else (small_tmpfs / name).unlink()
    line = bad_input_error(infer.main, ['--model', student[1], *arch_args(TINY_STUDENT), '--input', str(frames),
                                        '--out', str(tmp_path / 'sr'), '--video', str(video), '--fourcc', 'MJPG'],
                           capsys)
    assert re.fullmatch(rf'std-infer: error: --video: no space left on {video} \(the disk is full\): {video} reads '
                        rf'back \d+ of the 14 frames written; the video was removed, the PNG frames in '
                        rf'{tmp_path / "sr"} are complete', line), line
    assert not video.exists() and len(os.listdir(tmp_path / 'sr')) == 14


def test_training_on_a_disk_that_really_fills(tmp_path, tiny_root, small_tmpfs):
    o = base_options('real', tiny_root, iters=3, val=False)  # net_g fits in 256 KiB, its Adam state does not
    o['logger']['save_checkpoint_freq'] = 1
    proc = run_cli(['-m', 'std_plugin.train', '-opt', write_yaml(tmp_path / 'o.yml', o)], cwd=small_tmpfs, check=False)
    states = small_tmpfs / 'experiments' / 'real' / 'training_states'
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == (
        f'std-train: error: path.training_states: cannot save a checkpoint: no space left on {states / ".saving"} '
        '(the disk is full); training stops (a run that cannot checkpoint should not go on); no checkpoint was '
        f'saved yet ({states} holds no training state)')
    assert 'Traceback' not in proc.stdout and os.listdir(states) == []  # no half-written state under any name
