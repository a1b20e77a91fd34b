"""The option keys std_plugin adds to BasicSR's option files: type, default,
allowed values and meaning of each, checked when the file is parsed (before
any dataset or network is built) and rendered as docs/options.md by
std_plugin.training.option_docs.

The allowed values of each choice are the constants the consuming code reads:
precision's from training.precision; the others are defined here and imported
by their consumers in distill/, losses/, archs/ and models/ (those packages
import training/, so training/ must not import them)."""
import difflib
from dataclasses import dataclass

from std_plugin.core.errors import OptionError
from std_plugin.training.precision import DTYPES

PRECISIONS = tuple(DTYPES)  # ~ (fp32), bf16, fp16
ATTENTION_MAPPINGS = ('sum', 'sum_sq', 'max_sq')
SD_NORMALIZATIONS = (None, 'l2')
TD_NORMALIZATIONS = ('teacher', None)
DISTANCES = ('l2', 'l1')
VID_VARIANCES = ('location', 'channel')
TEACHER_KINDS = ('window', 'clip')
ADAPTERS = ('fixed', 'trained')

TYPE_NAMES = {bool: 'bool', int: 'int', float: 'float', str: 'str', dict: 'mapping', list: 'list'}


@dataclass(frozen=True)
class Option:
    """One key. `kinds`: the Python types a value may have (a float key takes an
    int too); `choices`: the only values allowed; `also`: values allowed besides
    `kinds`; `section_type`: the key belongs to the section only when the
    section's `type` is this (a loss or arch of the plugin)."""
    key: str
    kinds: tuple
    default: object
    doc: str
    used_in: str
    choices: tuple = None
    minimum: float = None
    items: type = None
    also: tuple = ()
    nullable: bool = False
    section_type: str = None
    default_doc: str = None


def entry(key, kinds, default, doc, used_in, **kw):
    """An Option; `kinds` may be one type."""
    return Option(key, kinds if isinstance(kinds, tuple) else (kinds,), default, doc, used_in, **kw)


LAYER = 'module path of the F^SR layer (as `conv_hr`, `body.3`)'
OPTIONS = (
    entry('network_t', (dict, str), None, 'The frozen teacher: a network section, or the path of a BasicSR option file '
          'whose `network_g` (and `path.pretrain_network_g`) is the teacher. Absent: the student trains alone (the '
          'baseline).', 'training/teacher_options.py, distill/teacher.py', nullable=True),
    entry('network_lstm', dict, None, 'The ConvLSTM shared by student and teacher for time distillation; '
          '`input_dim` defaults to the teacher F^SR width.', 'models/std_model.py',
          default_doc='`{type: PeepholeConvLSTM, hidden_dim: 16}`', nullable=True),
    entry('network_vid', dict, None, 'The VID regressor of PISR\'s student stage (type: VIDRegressor); required by '
          'PISRStudentModel with a teacher.', 'training/pisr_options.py, models/pisr_student_model.py', nullable=True),
    entry('network_vid.variance', str, 'location', 'How the regressor estimates sigma^2: per location from the student '
          'feature (PISR) or one value per channel (the original VID).', 'archs/vid_regressor_arch.py',
          choices=VID_VARIANCES, section_type='VIDRegressor'),
    entry('sync_bn', bool, True, 'Distributed GPU training: BatchNorm becomes SyncBatchNorm, normalising over the '
          'global batch.', 'models/std_model.py'),
    entry('distill', dict, None, 'Distillation settings (the keys below).', 'models/std_model.py', nullable=True,
          default_doc='`{}`'),
    entry('distill.student_layer', str, None, f'Student {LAYER}.', 'models/std_model.py', nullable=True,
          default_doc="network_g's `fsr_layer`"),
    entry('distill.teacher_layer', str, None, f'Teacher {LAYER}.', 'models/std_model.py', nullable=True,
          default_doc="network_t's `fsr_layer`, else `conv_hr`"),
    entry('distill.teacher_kind', str, None, 'Window teachers (EDVR) run once per output frame on sliding windows; '
          'clip teachers (BasicVSR) once per clip.', 'distill/clip_teacher.py', choices=TEACHER_KINDS, nullable=True,
          default_doc='from the arch type, else probed'),
    entry('distill.teacher_chunk', int, 0, 'Windows (clips for a clip teacher) per teacher call; 0: all at once.',
          'models/std_model.py', minimum=0, nullable=True),
    entry('distill.teacher_autocast', str, None, 'Precision of the teacher\'s forward (`~`: fp32).',
          'models/std_model.py, training/precision.py', choices=PRECISIONS),
    entry('distill.freeze_lstm', bool, True, 'The ConvLSTM is never trained on L_TD (false: trained with the student, '
          'with a collapse guard).', 'models/std_model.py'),
    entry('distill.adapter', str, 'fixed', '1x1 map of the student F^SR width to the teacher\'s: orthonormal and '
          'fixed, or trained with the student.', 'models/std_model.py', choices=ADAPTERS),
    entry('distill.teacher_check', int, 3, 'Full-window frames per validation clip scored for the teacher\'s temporal '
          'gain when training starts; 0 or false: off.', 'distill/temporal_gain.py', minimum=0, also=(False,)),
    entry('distill.init_modules', list, None, 'PISR student: module paths copied from the teacher\'s decoder before '
          'the first iteration.', 'distill/decoder_init.py', items=str, nullable=True),
    entry('distill.vid_layers', list, None, 'PISR student: module paths of the features VID distils.',
          'models/pisr_student_model.py', items=str, nullable=True, default_doc="network_g's `fsr_layer`"),
    entry('train.autocast', str, None, 'Precision of the student\'s forward (`~`: fp32; fp16 adds a gradient '
          'scaler).', 'models/std_model.py, training/precision.py', choices=PRECISIONS),
    entry('train.channels_last', bool, False, 'All networks in channels-last memory format.', 'models/std_model.py'),
    entry('train.compile', bool, False, 'torch.compile of the student.', 'models/std_model.py'),
    entry('train.sd_opt', dict, None, 'Space distillation loss L_SD (type: SpatialAttentionLoss); absent: no L_SD.',
          'models/std_model.py', nullable=True),
    entry('train.sd_opt.loss_weight', float, 1.0, 'lambda1.', 'losses/spatial_attention_loss.py',
          section_type='SpatialAttentionLoss'),
    entry('train.sd_opt.mapping', str, 'sum_sq', 'Attention map M of a feature: sum of |F|, of F^2 (the paper\'s), or '
          'max of F^2 over channels.', 'distill/attention_maps.py', choices=ATTENTION_MAPPINGS,
          section_type='SpatialAttentionLoss'),
    entry('train.sd_opt.normalize', str, None, 'l2: each map divided by its RMS over the pixels; `~`: raw maps.',
          'distill/attention_maps.py', choices=SD_NORMALIZATIONS, section_type='SpatialAttentionLoss'),
    entry('train.sd_opt.distance', str, 'l2', 'Distance between the maps.', 'losses/spatial_attention_loss.py',
          choices=DISTANCES, section_type='SpatialAttentionLoss'),
    entry('train.td_opt', dict, None, 'Time distillation loss L_TD (type: TemporalMemoryLoss); absent: no L_TD.',
          'models/std_model.py', nullable=True),
    entry('train.td_opt.loss_weight', float, 1.0, 'lambda2.', 'losses/temporal_memory_loss.py',
          section_type='TemporalMemoryLoss'),
    entry('train.td_opt.distance', str, 'l2', 'Distance between the final memory cells.',
          'losses/temporal_memory_loss.py', choices=DISTANCES, section_type='TemporalMemoryLoss'),
    entry('train.td_opt.normalize', str, 'teacher', 'teacher: both sequences divided by the RMS of the teacher F^SR; '
          '`~`: unscaled (the paper\'s).', 'losses/temporal_memory_loss.py', choices=TD_NORMALIZATIONS,
          section_type='TemporalMemoryLoss'),
    entry('train.td_opt.freeze_threshold', float, 1e-8, 'A trained ConvLSTM is frozen once L_TD falls below this.',
          'losses/temporal_memory_loss.py', minimum=0, section_type='TemporalMemoryLoss'),
    entry('train.vid_opt', dict, None, 'PISR student: the VID loss (type: VIDLoss); required with a teacher.',
          'training/pisr_options.py', nullable=True),
    entry('train.vid_opt.loss_weight', float, 1.0, 'Weight of L_VID.', 'losses/vid_loss.py', section_type='VIDLoss'),
    entry('train.imitation_opt', dict, None, 'PISR teacher: the imitation loss (type: ImitationLoss); required by '
          'PISRTeacherModel.', 'training/pisr_options.py', nullable=True),
    entry('train.imitation_opt.loss_weight', float, 1.0, 'Weight of the imitation loss.', 'losses/imitation_loss.py',
          section_type='ImitationLoss'),
    entry('train.imitation_opt.distance', str, 'l1', 'Distance between the encoder code and the LR frames.',
          'losses/imitation_loss.py', choices=DISTANCES, section_type='ImitationLoss'),
    entry('path.pretrain_network_t', str, None, 'Teacher checkpoint; required with network_t.',
          'training/option_checks.py, distill/teacher.py', nullable=True),
    entry('path.param_key_t', str, 'params', 'Key of the teacher\'s weights in its checkpoint.', 'distill/teacher.py'),
    entry('path.strict_load_t', bool, True, 'The teacher checkpoint must match network_t exactly.',
          'distill/teacher.py'),
    entry('path.pretrain_network_lstm', str, None, 'ConvLSTM (and adapter) weights, as written by std-pretrain-lstm.',
          'models/std_model.py', nullable=True),
    entry('path.strict_load_lstm', bool, True, 'The ConvLSTM checkpoint must match network_lstm exactly.',
          'models/std_model.py'),
    entry('path.pretrain_network_vid', str, None, 'VID regressor weights (a resume sets it).',
          'models/pisr_student_model.py', nullable=True),
    entry('path.strict_load_vid', bool, True, 'The VID regressor checkpoint must match network_vid exactly.',
          'models/pisr_student_model.py'),
)
# Sections whose every key is the plugin's: a key not in OPTIONS is a typo.
# Section key -> the `type` that makes it the plugin's (None: always).
CLOSED_SECTIONS = {'distill': None, 'train.sd_opt': 'SpatialAttentionLoss', 'train.td_opt': 'TemporalMemoryLoss',
                   'train.vid_opt': 'VIDLoss', 'train.imitation_opt': 'ImitationLoss'}


def show(value):
    """A value as it is written in an option file."""
    if value is None:
        return '~'
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def check_choice(key, value, choices):
    """`value` when it is one of `choices`, else OptionError naming the key and the choices."""
    if isinstance(value, bool) or value not in choices:  # no choice is a bool; false == 0 would match
        raise OptionError(f'{key}: {value!r} is not one of {", ".join(show(c) for c in choices)}')
    return value


def type_text(option):
    names = [TYPE_NAMES[k] for k in option.kinds]
    if option.items is not None:
        names = [f'list of {TYPE_NAMES[option.items]}' if n == 'list' else n for n in names]
    if option.minimum is not None:
        names = [f'{n} >= {show(option.minimum)}' if n in ('int', 'float') else n for n in names]
    return ' or '.join(names + [show(v) for v in option.also])


def has_kind(value, kinds):
    if isinstance(value, bool):
        return bool in kinds  # YAML true/false is never a number here
    return isinstance(value, kinds) or float in kinds and isinstance(value, int)


def float_hint(value, option):
    """PyYAML reads 1e-8 (no dot) as a string: say how to write it."""
    if float not in option.kinds or not isinstance(value, str):
        return ''
    try:
        float(value)
    except ValueError:
        return ''
    return f' (YAML reads {value} as text: write !!float {value})'


def check_value(option, value):
    if value is None and option.nullable or any(value is v for v in option.also):
        return
    if option.choices is not None:
        check_choice(option.key, value, option.choices)
        return
    expected = f'{option.key}: expected {type_text(option)}, got {value!r}'
    if not has_kind(value, option.kinds):
        raise OptionError(expected + float_hint(value, option))
    if option.minimum is not None and value < option.minimum:
        raise OptionError(expected)
    if option.items is not None and not all(has_kind(item, (option.items,)) for item in value):
        raise OptionError(expected)


MISSING = object()


def lookup(opt, key):
    """(parent section, value) at the dotted key; MISSING where a level is absent or not a mapping."""
    *parents, last = key.split('.')
    section = opt
    for part in parents:
        section = section.get(part) if isinstance(section, dict) else None
        if not isinstance(section, dict):
            return None, MISSING
    return section, section.get(last, MISSING)


def check_closed_sections(opt):
    for key, section_type in CLOSED_SECTIONS.items():
        _, section = lookup(opt, key)
        if not isinstance(section, dict) or section_type not in (None, section.get('type')):
            continue
        known = [o.key.rsplit('.', 1)[1] for o in OPTIONS if o.key.startswith(key + '.')]
        for name in section:
            if name not in known and not (section_type and name == 'type'):
                near = difflib.get_close_matches(str(name), known, n=1)
                hint = f'; did you mean {near[0]}?' if near else f'; it takes {", ".join(known)}'
                raise OptionError(f'{key}.{name}: unknown key{hint}')


def check_schema(opt):
    """Every key of OPTIONS present in `opt` has an allowed type and value, and the
    plugin's own sections hold no unknown key; OptionError names the first that does not."""
    for option in OPTIONS:
        section, value = lookup(opt, option.key)
        if value is MISSING:
            continue
        if option.section_type is not None and section.get('type') != option.section_type:
            continue
        check_value(option, value)
    check_closed_sections(opt)
    return opt
