"""Checks of a PISR option file (teacher stage: PISRTeacherModel; student
stage: PISRStudentModel), run with the other option checks before anything is
built: the student must have exactly the teacher decoder's architecture, the
teacher stage needs its imitation loss and HR-window validation data, the
student stage its VID loss and regressor."""
import inspect

from basicsr.utils.registry import ARCH_REGISTRY
from std_plugin.core.errors import OptionError
from std_plugin.training.option_checks import NON_ARCH_KEYS, check_type

TEACHER_MODEL, STUDENT_MODEL, TEACHER_ARCH = 'PISRTeacherModel', 'PISRStudentModel', 'PISRTeacher'
HR_WINDOW_DATASET = 'VideoHRWindowTestDataset'


def arch_arguments(net_opt):
    """Every constructor argument of the section's arch, defaults filled in (so
    that a value left at its default equals the same value written out)."""
    args = {k: v for k, v in net_opt.items() if k != 'type' and k not in NON_ARCH_KEYS}
    params = inspect.signature(ARCH_REGISTRY.get(net_opt['type'])).parameters
    full = {n: p.default for n, p in params.items() if p.default is not inspect.Parameter.empty}
    full.update(args)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in full.items()}


def check_decoder(opt, key):
    """network_t / network_g of type PISRTeacher with a registered decoder."""
    net = opt.get(key) or {}
    if net.get('type') != TEACHER_ARCH:
        raise OptionError(f'{key}.type is {net.get("type")!r}; {opt["model_type"]} needs a {TEACHER_ARCH} '
                          '(encoder + decoder)')
    decoder = net.get('decoder')
    if not isinstance(decoder, dict) or 'type' not in decoder:
        raise OptionError(f'{key}.decoder must be a network section with a type (the student\'s network_g)')
    check_type(ARCH_REGISTRY, decoder['type'], f'{key}.decoder.type')
    return decoder


def check_student_is_decoder(student, decoder):
    if student.get('type') != decoder['type']:
        raise OptionError(f'network_g is a {student.get("type")} but network_t.decoder is a {decoder["type"]}: '
                          "PISR's student has exactly the teacher decoder's architecture")
    mine, theirs = arch_arguments(student), arch_arguments(decoder)
    for name in sorted(set(mine) | set(theirs)):
        if mine.get(name) != theirs.get(name):
            raise OptionError(f'network_g.{name} is {mine.get(name)!r} but network_t.decoder.{name} is '
                              f"{theirs.get(name)!r}: PISR's student has exactly the teacher decoder's architecture")


def check_teacher_stage(opt):
    check_decoder(opt, 'network_g')
    if not (opt.get('train') or {}).get('imitation_opt'):
        raise OptionError('train.imitation_opt is required by PISRTeacherModel: the encoder must imitate the LR '
                          'input (type: ImitationLoss)')
    for phase, dataset in (opt.get('datasets') or {}).items():
        if phase != 'train' and dataset.get('type') != HR_WINDOW_DATASET:
            raise OptionError(f'datasets.{phase}.type is {dataset.get("type")!r}: the PISR teacher reads HR '
                              f'windows, use {HR_WINDOW_DATASET} (it gives gt_window)')


def check_student_stage(opt):
    if not opt.get('network_t'):
        return  # no teacher: the student alone, as STDModel's baseline
    check_student_is_decoder(opt['network_g'], check_decoder(opt, 'network_t'))
    if not (opt.get('train') or {}).get('vid_opt'):
        raise OptionError('train.vid_opt is required by PISRStudentModel with a teacher (type: VIDLoss)')
    if not isinstance(opt.get('network_vid'), dict):
        raise OptionError('network_vid is required by PISRStudentModel with a teacher: the VID regressor '
                          '(type: VIDRegressor), saved and resumed as net_vid')


def check_pisr_options(opt):
    if opt.get('model_type') == TEACHER_MODEL:
        check_teacher_stage(opt)
    elif opt.get('model_type') == STUDENT_MODEL:
        check_student_stage(opt)
