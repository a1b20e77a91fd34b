"""Entry points around BasicSR's train/test pipelines: std_plugin registered,
BasicSR's resume/launch/IO gaps fixed, options checked before anything runs,
and bad input answered with one line (exit status 2) instead of a traceback."""
import functools
import os
import sys

import torch

import std_plugin  # noqa: F401  (registers the plugin; applies import_compat)
from std_plugin.training.pisr_options import check_pisr_options
from std_plugin.training.teacher_options import resolve_teacher_options
from std_plugin.core.basicsr_patches import distributed_launch
from std_plugin.training import preemption
from std_plugin.training import resume
from std_plugin.core.basicsr_patches import safe_io
from std_plugin.core.disk_errors import disk_cause, is_disk_error
from std_plugin.core.errors import OptionError, StdError, install_faulthandler, one_line
from std_plugin.training.option_checks import check_option_file, check_options
from std_plugin.training.run_lock import experiment_lock_path, holder_pid, try_lock

# The experiment lock of this process's training run, held until it ends.
_held_locks = []


def lock_experiment(opt):
    """Hold the experiment folder's lock, or one line naming the process holding it."""
    if not opt.get('is_train') or opt.get('rank', 0) != 0:
        return
    root = opt['path']['experiments_root']
    lock = experiment_lock_path(root)
    os.makedirs(os.path.dirname(lock), exist_ok=True)
    handle = try_lock(lock)
    if handle is None:
        raise OptionError(f'{root}: another process (PID {holder_pid(lock)}) is training experiment {opt["name"]}; '
                          f'wait for it to finish or stop it (lock file {lock})')
    _held_locks.append(handle)


def release_locks():
    while _held_locks:
        _held_locks.pop().close()


def checked(parse_options):
    @functools.wraps(parse_options)
    def parse_and_check(root_path, is_train=True):
        check_option_file(sys.argv[1:])
        opt, args = parse_options(root_path, is_train)
        check_options(resolve_teacher_options(opt))
        check_pisr_options(opt)
        lock_experiment(opt)
        return opt, args
    parse_and_check.checks_options = True
    return parse_and_check


def run(pipeline_module, pipeline_name, root_path, training=False, prog='std_plugin'):
    """BasicSR's pipeline under std_plugin's fixes; its errors are `prog: error: ...` and exit 2."""
    module = __import__(pipeline_module, fromlist=[pipeline_name])
    # Denormal floats make CPU convolutions (EDVR's deform conv backward above all)
    # up to 25x slower on x86 (measured: 16 s vs 0.6 s per demo-teacher iteration);
    # flushing them to zero changes nothing a network can learn. No effect on CUDA.
    torch.set_flush_denormal(True)
    install_faulthandler()
    distributed_launch.install()
    resume.install()
    safe_io.install()
    if training:
        preemption.install()
    if not hasattr(module.parse_options, 'checks_options'):
        module.parse_options = checked(module.parse_options)
    try:
        getattr(module, pipeline_name)(root_path)
    except StdError as err:
        print(f'{prog}: error: {one_line(err)}', file=sys.stderr)
        sys.exit(2)
    except preemption.Preempted as stop:
        print(f'std_plugin: {stop}', flush=True)
        sys.exit(0)
    except OSError as err:
        if not is_disk_error(err):
            raise
        print(f'{prog}: error: {disk_cause(err)}', file=sys.stderr)
        sys.exit(2)
    finally:
        release_locks()


def train(root_path, prog='std_plugin'):
    run('basicsr.train', 'train_pipeline', root_path, training=True, prog=prog)


def test(root_path, prog='std_plugin'):
    run('basicsr.test', 'test_pipeline', root_path, prog=prog)
