"""Option checks of a clip teacher (`network_t` of a recurrent network that
super-resolves whole clips, such as BasicSR's BasicVSR, IconVSR and
BasicVSRPlusPlus; std_plugin.distill.clip_teacher runs them), done before
anything is built: its scale and the smallest training patch it accepts."""
from std_plugin.core.errors import OptionError

# arch type -> default F^SR layer: the last HR feature map before the output
# conv, chosen as for EDVR. Each runs `lrelu(conv_hr(x))` with an in-place
# LeakyReLU, so, as for EDVR, the tap holds the activated map.
CLIP_TEACHERS = {'BasicVSR': 'conv_hr', 'IconVSR': 'conv_hr', 'BasicVSRPlusPlus': 'conv_hr'}
# Smallest LR side each accepts: SpyNet rounds frames up to a multiple of 32
# and halves them 5 times, which leaves no pixel below 33; BasicVSR++ asserts 64.
MIN_LR_SIZE = {'BasicVSR': 33, 'IconVSR': 33, 'BasicVSRPlusPlus': 64}


def is_clip_network(net_opt):
    return (net_opt or {}).get('type') in CLIP_TEACHERS


def check_clip_teacher_options(opt):
    """A known clip teacher's scale and patch size."""
    teacher = opt.get('network_t')
    if not is_clip_network(teacher if isinstance(teacher, dict) else None):
        return
    kind, scale = teacher['type'], opt.get('scale')
    if scale != 4 or teacher.get('is_low_res_input') is False:
        raise OptionError(f'network_t: {kind} upscales LR frames x4, but scale is {scale}'
                          + (' and is_low_res_input is false' if teacher.get('is_low_res_input') is False else ''))
    gt_size = ((opt.get('datasets') or {}).get('train') or {}).get('gt_size')
    if gt_size and scale and gt_size // scale < MIN_LR_SIZE[kind]:
        need = MIN_LR_SIZE[kind] * scale
        raise OptionError(f'datasets.train.gt_size is {gt_size}: its LR patch ({gt_size // scale} px) is smaller '
                          f'than the {MIN_LR_SIZE[kind]} px the {kind} teacher accepts; expected gt_size >= {need}')
