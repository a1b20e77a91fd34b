"""The training budget of a comparison (std-compare): every arm trains the
same number of iterations, validates at the same iterations and saves its
checkpoint at the end."""
import copy

from std_plugin.core.errors import OptionError


def val_phases(opt):
    """The validation datasets (BasicSR: datasets whose phase starts with 'val')."""
    return [phase for phase in (opt.get('datasets') or {}) if phase.split('_')[0] == 'val']


def check_validation(opt, source):
    if not (opt.get('val') or {}).get('metrics') or not val_phases(opt):
        raise OptionError(f'{source} has no validation: std-compare needs a val section with metrics and a '
                          'datasets.val dataset')


def scaled(values, total, new_total):
    """values (iterations out of total) as iterations out of new_total, at least 1."""
    return [max(1, round(v * new_total / total)) for v in values]


def scale_schedule(scheduler, total, iters):
    """Cosine periods scaled to sum to iters; MultiStepLR milestones scaled with the run."""
    scheduler = copy.deepcopy(scheduler)
    if scheduler.get('periods'):
        periods = scaled(scheduler['periods'], sum(scheduler['periods']), iters)
        periods[-1] = max(1, iters - sum(periods[:-1]))
        scheduler['periods'] = periods
    if scheduler.get('milestones'):
        scheduler['milestones'] = scaled(scheduler['milestones'], total, iters)
    return scheduler


def apply_budget(opt, iters=None, val_freq=None):
    """A copy of opt training `iters` iterations (default: its total_iter),
    validating every `val_freq` (default: the file's, else ten times per run) and saving
    checkpoints at the end only, unless the file saves less often."""
    opt = copy.deepcopy(opt)
    train = opt['train']
    total = train.get('total_iter')
    if iters is None and not total:
        raise OptionError('train.total_iter is missing: give --iters')
    iters = iters or int(total)
    if 'scheduler' in train and total:
        train['scheduler'] = scale_schedule(train['scheduler'], int(total), iters)
    train['total_iter'] = iters
    opt['val']['val_freq'] = min(iters, val_freq or opt['val'].get('val_freq') or max(1, iters // 10))
    logger = opt.setdefault('logger', {})
    logger['save_checkpoint_freq'] = min(int(logger.get('save_checkpoint_freq') or iters), iters)
    return opt
