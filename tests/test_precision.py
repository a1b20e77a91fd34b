"""Speed options of STDModel against fp32: reduced-precision autocast (student
and teacher), channels-last, the fp16 gradient scaler's saved state, and a
teacher that never holds autograd state."""
import pytest
import torch

from std_plugin.evaluation.benchmark.bench_model import build_std_model, random_clips, std_options, write_random_checkpoint
from std_plugin.training.precision import SCALER_KEY, cpu_bf16_warning
from tests.conftest import TINY_EDVR, TINY_STUDENT

# Relative tolerance of each logged loss after one step from the same weights and
# batch. bf16 keeps 8 significant bits (2^-8 = 0.4 % per rounding); measured on
# the tiny nets: <= 0.6 % (student bf16), <= 0.03 % (teacher bf16), 1e-7
# (channels-last: the same fp32 sums in another order), <= 0.02 % (fp16).
CASES = {
    'teacher bf16': (dict(distill=dict(teacher_autocast='bf16')), 2e-2),
    'student bf16': (dict(train=dict(autocast='bf16')), 2e-2),
    'both bf16': (dict(train=dict(autocast='bf16'), distill=dict(teacher_autocast='bf16')), 2e-2),
    'channels_last': (dict(train=dict(channels_last=True)), 1e-4),
    'student fp16 + scaler': (dict(train=dict(autocast='fp16')), 5e-3),
}


@pytest.fixture(scope='module')
def random_teacher(tmp_path_factory):
    """A tiny EDVR with random weights: these tests compare runs, they need no trained teacher."""
    return write_random_checkpoint(TINY_EDVR, str(tmp_path_factory.mktemp('teacher') / 'tiny_edvr.pth'))


def std_model(workdir, teacher_ckpt=None, train=None, distill=None):
    """STDModel on one fixed batch; the student alone without teacher_ckpt."""
    workdir.mkdir(exist_ok=True)
    opt = std_options(TINY_STUDENT, str(workdir), 'cpu', TINY_EDVR if teacher_ckpt else None, teacher_ckpt)
    opt['train'].update(train or {})
    opt['distill'].update(distill or {})
    model = build_std_model(opt)
    model.feed_data(random_clips(batch=2, patch=4))
    return model


def one_step_losses(workdir, random_teacher, **options):
    model = std_model(workdir, random_teacher, **options)
    model.optimize_parameters(1)
    return model.log_dict


@pytest.fixture(scope='module')
def fp32_losses(tmp_path_factory, random_teacher):
    return one_step_losses(tmp_path_factory.mktemp('fp32'), random_teacher)


@pytest.mark.parametrize('case', CASES)
def test_speed_options_keep_std_losses_close_to_fp32(case, tmp_path, random_teacher, fp32_losses):
    options, rel = CASES[case]
    losses = one_step_losses(tmp_path, random_teacher, **options)
    assert set(losses) == {'l_pix', 'l_sd', 'l_td'}
    for name, ref in fp32_losses.items():
        assert losses[name] == pytest.approx(ref, rel=rel), name


def output_dtypes(model, layer='conv_hr'):
    """dtype of the student's and the teacher's F^SR during one step."""
    seen = {}

    def hook(key):
        def record(module, inputs, out):
            seen.setdefault(key, out.dtype)  # returns None: the output is left as it is
        return record

    for key, net in (('student', model.net_g), ('teacher', model.net_t)):
        getattr(net, layer).register_forward_hook(hook(key))
    model.optimize_parameters(1)
    return seen


@pytest.mark.parametrize('student, teacher', [('bf16', None), (None, 'bf16'), ('bf16', 'fp16'), (None, None)])
def test_each_autocast_reaches_only_the_network_it_names(student, teacher, tmp_path, random_teacher):
    # The teacher runs inside the student's autocast region: with
    # teacher_autocast ~ it must still run in fp32.
    model = std_model(tmp_path, random_teacher, train=dict(autocast=student), distill=dict(teacher_autocast=teacher))
    names = {None: torch.float32, 'bf16': torch.bfloat16, 'fp16': torch.float16}
    assert output_dtypes(model) == {'student': names[student], 'teacher': names[teacher]}


def test_teacher_holds_no_autograd_state_under_autocast(tmp_path, random_teacher):
    model = std_model(tmp_path, random_teacher, train=dict(autocast='bf16'), distill=dict(teacher_autocast='bf16'))
    tracked = []

    def record(module, inputs, out):
        outs = out if isinstance(out, (tuple, list)) else (out,)
        tracked.extend(type(module).__name__ for o in outs if torch.is_tensor(o) and o.requires_grad)

    for module in model.net_t.modules():
        module.register_forward_hook(record)
    model.optimize_parameters(1)
    feat = model.teacher_features(model.lq)
    assert tracked == []
    assert feat.grad_fn is None and feat.dtype == torch.float32
    assert all(p.grad is None for p in model.net_t.parameters())


def test_fp16_grad_scaler_state_is_saved_and_resumed_with_the_optimizer(tmp_path):
    # The student alone: CPU fp16 convolutions are slow, and the scaler is the student's.
    model = std_model(tmp_path / 'a', train=dict(autocast='fp16'))
    model.optimize_parameters(1)
    model.scaler.update(new_scale=1024.0)  # a state a fresh scaler (65536) does not have
    assert model.optimizer_g.state_dict()[SCALER_KEY]['scale'] == 1024.0

    model.save_training_state(epoch=0, current_iter=1)  # BasicSR's own training-state file
    state = torch.load(tmp_path / 'a' / '1.state', map_location='cpu', weights_only=True)
    resumed = std_model(tmp_path / 'b', train=dict(autocast='fp16'))
    assert resumed.scaler.get_scale() != 1024.0
    resumed.resume_training(state)
    assert resumed.scaler.state_dict() == model.scaler.state_dict()
    adam, resumed_adam = model.optimizer_g.state_dict()['state'], resumed.optimizer_g.state_dict()['state']
    assert adam.keys() == resumed_adam.keys() and all(
        torch.equal(adam[k]['exp_avg'], resumed_adam[k]['exp_avg']) for k in adam)
    resumed.optimize_parameters(2)  # the resumed scaler goes on from its saved scale
    assert resumed.scaler.get_scale() == 1024.0


def test_channels_last_converts_every_network(tmp_path, random_teacher):
    model = std_model(tmp_path, random_teacher, train=dict(channels_last=True))
    convs = [model.net_g.conv_hr, model.net_t.conv_hr, model.net_lstm.gates]
    assert all(conv.weight.is_contiguous(memory_format=torch.channels_last) for conv in convs)


def test_bf16_on_a_cpu_without_native_bf16_is_named_once():
    cpu, cuda = torch.device('cpu'), torch.device('cuda')
    line = cpu_bf16_warning(cpu, 'bf16', 'distill.teacher_autocast', native=False)
    assert line.startswith('distill.teacher_autocast: bf16 on a CPU without native bf16')
    assert cpu_bf16_warning(cpu, 'bf16', 'train.autocast', native=True) is None
    assert cpu_bf16_warning(cuda, 'bf16', 'train.autocast', native=False) is None
    assert cpu_bf16_warning(cpu, None, 'train.autocast', native=False) is None
