"""Option-file mistakes of a new user (issue 14), each one line naming the key or file."""
import pytest
import torch

from std_plugin.core.basicsr_patches import distributed_launch
from std_plugin.core.errors import DataError, OptionError, PathError
from std_plugin.training.option_checks import check_option_file, check_options
from tests import tiny_data
from tests.conftest import run_cli
from tests.test_faults import opt  # noqa: F401  (fixture)


def fails(opt, error, message):
    with pytest.raises(error) as info:
        check_options(opt)
    assert str(info.value) == message


def test_option_file_missing_empty_or_not_yaml(tmp_path):
    with pytest.raises(PathError, match=f'^-opt: {tmp_path}/none.yml does not exist$'):
        check_option_file(['-opt', str(tmp_path / 'none.yml')])
    (tmp_path / 'empty.yml').write_text('# nothing yet\n')
    with pytest.raises(OptionError, match=f'^-opt: option file {tmp_path}/empty.yml is empty; expected BasicSR'):
        check_option_file(['-opt', str(tmp_path / 'empty.yml'), '--auto_resume'])
    (tmp_path / 'list.yml').write_text('- a\n- b\n')
    with pytest.raises(OptionError, match=r'holds a YAML list, expected a mapping of options'):
        check_option_file(['-opt', str(tmp_path / 'list.yml')])


def test_yaml_syntax_error_is_one_line_exit_2(tmp_path):
    (tmp_path / 'o.yml').write_text('name: run\nnetwork_g:\n  type: FastDVDnetVSR\n   num_feat: 8\n')
    proc = run_cli(['-m', 'std_plugin.train', '-opt', 'o.yml'], cwd=tmp_path, check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == ('std-train: error: -opt: o.yml is not valid YAML: line 4, '
                                                    'column 12: mapping values are not allowed in this context')


def test_lr_patch_not_a_multiple_of_4(opt):  # noqa: F811
    opt['datasets']['train']['gt_size'] = 24  # 6 LR px: FastDVDnetVSR and EDVR downsample by 4
    fails(opt, OptionError, 'datasets.train.gt_size is 24: its LR patch (24/4 = 6 px) is not a multiple of 4, which '
                            'EDVR and FastDVDnetVSR needs; expected a multiple of 16 such as 16')


def test_gt_size_larger_than_the_frames(opt, tiny_root):  # noqa: F811
    opt['datasets']['train']['gt_size'] = 64  # tiny frames are 32x32
    fails(opt, OptionError, f'datasets.train.gt_size is 64 but the GT frames are 32x32 (00001/0001/im1.png in '
                            f'{tiny_root["vimeo"]["gt_lmdb"]}); expected gt_size <= 32')


def test_lr_lmdb_made_at_another_scale(opt, tiny_root, tmp_path):  # noqa: F811
    x2 = tiny_data.make_vimeo(str(tmp_path / 'x2'), scale=2)['lq_lmdb']
    opt['datasets']['train']['dataroot_lq'] = x2
    fails(opt, DataError, f'datasets.train.dataroot_lq: {x2} holds 16x16 frames for the 32x32 GT frames of '
                          f'{tiny_root["vimeo"]["gt_lmdb"]} (00001/0001/im1.png), x2, but scale is 4; expected 8x8 '
                          'LR frames (made at another scale?)')


def test_lr_folder_made_at_another_scale(opt, tiny_root, tmp_path):  # noqa: F811
    x2 = tiny_data.make_vid4(str(tmp_path / 'x2'), scale=2)['lq']
    opt['datasets']['val']['dataroot_lq'] = x2
    with pytest.raises(DataError, match=r'^datasets.val.dataroot_lq: .* holds 16x16 frames for the 32x32 GT frames '
                                        r'of .* \(calendar/00000000.png\), x2, but scale is 4'):
        check_options(opt)


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine without CUDA')
def test_num_gpu_without_a_gpu(opt):  # noqa: F811
    opt['num_gpu'] = 1  # as in options/std_fastdvd.yml
    fails(opt, OptionError, 'num_gpu is 1 but this machine has no CUDA GPU (torch.cuda.is_available() is False); '
                            'set num_gpu: 0 to run on the CPU')


def test_launcher_pytorch_without_torchrun(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(OptionError, match=r'^--launcher pytorch: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT not set, '
                                          r'so this process was not started by torchrun; expected torchrun'):
        distributed_launch.init_dist('pytorch')


def test_missing_resume_state(opt):  # noqa: F811
    opt['path']['resume_state'] = '/nowhere/3.state'
    fails(opt, DataError, 'path.resume_state: training state /nowhere/3.state does not exist')
    opt['auto_resume'] = True  # BasicSR ignores path.resume_state then
    check_options(opt)
