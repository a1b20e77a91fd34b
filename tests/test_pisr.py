"""PISR (Lee et al., ECCV 2020) for video: encoder, losses, decoder
initialisation, the two training stages through the train pipeline, and bad
input answered with one line."""
import copy
import math
import os.path as osp

import pytest
import torch

from basicsr.archs import build_network
from basicsr.models import build_model
from std_plugin.distill.decoder_init import initialise_from_decoder
from std_plugin.training.pisr_options import check_pisr_options
from std_plugin.losses.imitation_loss import ImitationLoss
from std_plugin.losses.vid_loss import VIDLoss
from std_plugin.core.errors import OptionError
from tests.conftest import REPO, TINY_STUDENT, base_options, run_cli, val_dataset, write_yaml
from tests.test_std_train import losses_by_iter, read_log

TINY_TEACHER = dict(type='PISRTeacher', encoder=dict(num_feat=8, num_conv=1), decoder=dict(TINY_STUDENT))
INIT_MODULES = ['stage1', 'stage2', 'upsample', 'conv_hr', 'conv_last']


def test_encoder_output_is_the_lr_size():
    for scale in (2, 3, 4):
        enc = build_network(dict(type='HREncoder', num_feat=4, num_conv=1, scale=scale))
        assert enc(torch.rand(2, 5, 3, 12 * scale, 24 * scale)).shape == (2, 5, 3, 12, 24)


def test_imitation_loss_is_zero_when_the_code_is_the_lr_input():
    lq = torch.rand(2, 7, 3, 8, 8)
    assert ImitationLoss()(lq.clone(), lq).item() == 0
    # L1 by default: every element off by 0.25, weight 2 -> 0.5; L2: 2 * 0.25^2.
    assert ImitationLoss(loss_weight=2)(lq + 0.25, lq).item() == pytest.approx(0.5)
    assert ImitationLoss(loss_weight=2, distance='l2')(lq + 0.25, lq).item() == pytest.approx(0.125)


def constant_regressor(variance):
    """A VIDRegressor whose mean is the identity and whose variance is known."""
    reg = build_network(dict(type='VIDRegressor', channels=[2], variance=variance, var_scale=0.5, init_var=0.25,
                             eps=0.0))
    with torch.no_grad():
        for p in reg.parameters():
            p.zero_()
        reg.mean[0][0].weight[:, :, 0, 0] = torch.eye(2)   # hidden = feature (LeakyReLU keeps positives)
        reg.mean[0][2].weight[:, :, 0, 0] = torch.eye(2)
        if variance == 'channel':
            reg.alpha[0][:] = torch.tensor([math.log(math.expm1(0.25)), math.log(math.expm1(1.0))]).view(2, 1, 1)
    return reg


def test_vid_loss_is_the_hand_computed_gaussian_nll():
    s = torch.tensor([[[[0.5, 1.0]], [[0.0, 2.0]]]])   # (1, 2 ch, 1, 2): positive, so mu(s) = s
    t = torch.tensor([[[[1.5, 1.0]], [[1.0, 0.0]]]])
    # 'location': zero variance head -> sigma^2 = 0.5 * softplus(0) = 0.5 log 2 at every location.
    v = 0.5 * math.log(2)
    sq = [1.0, 0.0, 1.0, 4.0]
    expected = sum(0.5 * (math.log(v) + d / v) for d in sq) / 4
    assert VIDLoss()(constant_regressor('location'), [s], [t]).item() == pytest.approx(expected, rel=1e-6)
    # 'channel' (original VID): sigma^2 = 0.25 for channel 0, 1.0 for channel 1; weight 3.
    expected = 3 * (0.5 * (math.log(0.25) + 1 / 0.25) + 0.5 * (math.log(0.25) + 0 / 0.25)
                    + 0.5 * (math.log(1.0) + 1 / 1.0) + 0.5 * (math.log(1.0) + 4 / 1.0)) / 4
    assert VIDLoss(loss_weight=3)(constant_regressor('channel'), [s], [t]).item() == pytest.approx(expected, rel=1e-6)


def test_student_modules_equal_the_teacher_decoder_after_initialisation():
    torch.manual_seed(0)
    teacher, student = build_network(copy.deepcopy(TINY_TEACHER)), build_network(dict(TINY_STUDENT))
    initialise_from_decoder(student, teacher.decoder, ['stage1', 'conv_hr'])
    ours, theirs = student.state_dict(), teacher.decoder.state_dict()
    copied = [k for k in ours if k.startswith(('stage1.', 'conv_hr.'))]
    assert copied and all(torch.equal(ours[k], theirs[k]) for k in copied)   # BatchNorm buffers too
    assert not torch.equal(ours['stage2.inc.0.weight'], theirs['stage2.inc.0.weight'])  # not named: untouched


def teacher_options(name, tiny_root, iters):
    opt = base_options(name, tiny_root, iters=iters)
    opt['model_type'] = 'PISRTeacherModel'
    opt['network_g'] = copy.deepcopy(TINY_TEACHER)
    opt['train']['imitation_opt'] = dict(type='ImitationLoss', loss_weight=1.0, distance='l1')
    opt['datasets']['val'] = dict(val_dataset(tiny_root['vid4']), type='VideoHRWindowTestDataset')
    opt['datasets']['train'].update(use_hflip=False, use_rot=False, dataset_enlarge_ratio=2)
    opt['logger']['save_checkpoint_freq'] = 1
    return opt


def student_options(name, tiny_root, iters, teacher_ckpt):
    opt = base_options(name, tiny_root, iters=iters, val=iters > 1)
    opt['model_type'] = 'PISRStudentModel'
    opt['network_t'] = copy.deepcopy(TINY_TEACHER)
    opt['network_vid'] = dict(type='VIDRegressor', variance='location')
    opt['path'].update(pretrain_network_t=teacher_ckpt, param_key_t='params', strict_load_t=True)
    opt['distill'] = dict(init_modules=list(INIT_MODULES), vid_layers=['conv_hr', 'stage2.outc'])
    opt['train']['vid_opt'] = dict(type='VIDLoss', loss_weight=1e-3)
    opt['datasets']['train'].update(use_hflip=False, use_rot=False, dataset_enlarge_ratio=2)
    opt['logger']['save_checkpoint_freq'] = 1
    return opt


def train(folder, opt, *flags):
    folder.mkdir(exist_ok=True)
    return run_cli(['-m', 'std_plugin.train', '-opt', str(write_yaml(folder / 'o.yml', opt)), *flags], cwd=folder)


@pytest.fixture(scope='module')
def pisr_runs(tmp_path_factory, tiny_root):
    """Teacher 1 iteration, then resumed to 2; student from it the same way,
    and a straight 2-iteration student run to compare the resumed losses with."""
    root = tmp_path_factory.mktemp('pisr')
    train(root / 'teacher', teacher_options('t', tiny_root, 1))
    train(root / 'teacher', teacher_options('t', tiny_root, 2), '--auto_resume')
    ckpt = str(root / 'teacher' / 'experiments' / 't' / 'models' / 'net_g_2.pth')
    train(root / 'student', student_options('s', tiny_root, 1, ckpt))
    train(root / 'student', student_options('s', tiny_root, 2, ckpt), '--auto_resume')
    train(root / 'straight', student_options('s', tiny_root, 2, ckpt))
    return root, ckpt


def test_teacher_then_student_train_save_and_resume(pisr_runs):
    root, ckpt = pisr_runs
    teacher = root / 'teacher' / 'experiments' / 't'
    log = read_log(teacher)
    assert 'Resuming training from epoch' in log and 'Validation Vid4' in log
    assert set(losses_by_iter(log)[2]) == {'l_pix', 'l_imit'}
    student = root / 'student' / 'experiments' / 's'
    log = read_log(student)
    assert 'Resuming training from epoch' in log
    assert {'l_pix', 'l_vid'} <= set(losses_by_iter(log)[2])
    vid = [torch.load(student / 'models' / f'net_vid_{i}.pth', weights_only=True)['params'] for i in (1, 2)]
    assert set(vid[0]) == set(vid[1]) and any(not torch.equal(vid[0][k], vid[1][k]) for k in vid[0])
    # The resumed iteration 2 is the uninterrupted one: student, regressor and optimizer came back
    # (a resume that re-initialised from the decoder or lost the regressor would differ).
    straight = losses_by_iter(read_log(root / 'straight' / 'experiments' / 's'))[2]
    for k in ('l_pix', 'l_vid'):
        assert losses_by_iter(log)[2][k] == pytest.approx(straight[k], rel=1e-3, abs=1e-7)


def test_student_starts_from_the_teacher_decoder(tiny_root, tmp_path):
    torch.manual_seed(1)
    ckpt = tmp_path / 't.pth'
    teacher = build_network(copy.deepcopy(TINY_TEACHER))
    torch.save({'params': teacher.state_dict()}, ckpt)
    model = build_model(model_options(student_options('s', tiny_root, 1, str(ckpt)), tmp_path))
    ours, theirs = model.net_g.state_dict(), teacher.decoder.state_dict()
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)  # all five modules named: the whole decoder


def model_options(opt, tmp_path):
    opt.update(is_train=True, dist=False, rank=0, world_size=1)
    opt['path'].update(experiments_root=str(tmp_path), models=str(tmp_path), training_states=str(tmp_path))
    return opt


def test_bad_pisr_input_is_one_line(tiny_root, tmp_path):
    torch.manual_seed(1)
    ckpt = tmp_path / 't.pth'
    torch.save({'params': build_network(copy.deepcopy(TINY_TEACHER)).state_dict()}, ckpt)
    good = student_options('s', tiny_root, 1, str(ckpt))

    other = copy.deepcopy(good)
    other['network_g']['num_feat'] = 16
    with pytest.raises(OptionError, match="network_g.num_feat is 16 but network_t.decoder.num_feat is 8"):
        check_pisr_options(other)
    other['network_g'] = dict(type='VDSR', num_feat=8, num_layer=3, scale=4)
    with pytest.raises(OptionError, match='network_g is a VDSR but network_t.decoder is a FastDVDnetVSR'):
        check_pisr_options(other)

    missing = copy.deepcopy(good)
    missing['distill']['init_modules'] = ['stage1', 'conv_hrr']
    with pytest.raises(OptionError, match="distill.init_modules: the teacher decoder FastDVDnetVSR has no module "
                                          "'conv_hrr'; nearest valid module paths: conv_hr"):
        build_model(model_options(missing, tmp_path))

    wrong_feature = copy.deepcopy(good)
    wrong_feature['distill']['vid_layers'] = ['stage2.outcc']
    proc = run_cli(['-m', 'std_plugin.train', '-opt', str(write_yaml(tmp_path / 'bad.yml', wrong_feature))],
                   cwd=tmp_path, check=False)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 2 and 'Traceback' not in proc.stdout
    assert lines[-1].startswith("std-train: error: distill.vid_layers: network_g FastDVDnetVSR has no module "
                                "'stage2.outcc'; nearest valid module paths: stage2.outc")


def test_compare_pisr_arm_is_the_baseline_with_pisr_distillation(tmp_path):
    import yaml
    from std_plugin.evaluation.compare_pisr import read_pisr_options
    from std_plugin.evaluation.compare_runs import plan
    from std_plugin.core.errors import InputError
    demo = osp.join(REPO, 'std_plugin', 'demo', 'options')
    std = yaml.safe_load(open(osp.join(demo, 'demo_std.yml')))
    pisr = read_pisr_options(osp.join(demo, 'demo_pisr.yml'), std, ['baseline', 'pisr'])
    runs = {arm: run for arm, _, run in plan(std, ['baseline', 'std', 'pisr'], [3], tmp_path, pisr)}
    base, arm = runs['baseline'], runs['pisr']
    assert arm['model_type'] == 'PISRStudentModel' and arm['network_t']['type'] == 'PISRTeacher'
    assert arm['train']['vid_opt'] == pisr['train']['vid_opt'] and 'sd_opt' not in arm['train']
    assert arm['path']['pretrain_network_t'] == pisr['path']['pretrain_network_t']
    for key in ('datasets', 'network_g', 'val', 'manual_seed'):
        assert arm[key] == base[key]
    assert arm['path']['pretrain_network_g'] == base['path']['pretrain_network_g']  # the same initial weights
    with pytest.raises(InputError, match='--arms pisr needs --pisr-opt'):
        read_pisr_options(None, std, ['pisr'])
    other = dict(std, network_g=dict(std['network_g'], num_feat=32))
    with pytest.raises(InputError, match='differs from the compared file'):
        read_pisr_options(osp.join(demo, 'demo_pisr.yml'), other, ['pisr'])
