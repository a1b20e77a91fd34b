"""Running the project's train/test entry points as a user would: option files
written to disk, `python -m std_plugin.{train,test} -opt FILE` in a
subprocess whose current directory is the run's root, and student weights
saved once so that several runs start from the same initialisation (std-demo,
std-compare)."""
import subprocess
import sys
from pathlib import Path

import torch
import yaml

import std_plugin  # noqa: F401  (registers the plugin's networks)
from basicsr.archs import build_network
from std_plugin.training.option_checks import NON_ARCH_KEYS


def write_options(path, opt):
    """opt as YAML at path (folders created); returns the path as a string."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(opt, sort_keys=False))
    return str(path)


def ignored_folder(folder):
    """folder, created with a .gitignore of `*` (as venv does): the generated
    option files std-demo and std-compare write under their root never show
    in `git status` when that root is a checkout, and no .gitignore lists them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / '.gitignore'
    if not marker.exists():
        marker.write_text('# written by std_plugin: generated option files and logs\n*\n')
    return folder


def run_pipeline(root, module, option_file, prog='std-demo', log=None, env=None):
    """python -m std_plugin.{train,test} -opt FILE in root (with the environment
    `env`, default this process's); its output goes to the console, or to the
    file `log`. A failure stops the caller with one line."""
    cmd = [sys.executable, '-m', f'std_plugin.{module}', '-opt', str(option_file)]
    if log is None:
        proc = subprocess.run(cmd, cwd=root, env=env)
    else:
        with open(log, 'w') as out:
            proc = subprocess.run(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        where = f'; {last_line(log)!r}, the whole output is in {log}' if log is not None else ''
        raise SystemExit(f'{prog}: {" ".join(cmd)} failed with exit status {proc.returncode}{where}')


def last_line(path):
    lines = [x for x in Path(path).read_text(errors='replace').splitlines() if x.strip()]
    return lines[-1].strip() if lines else ''


def initial_weights(network_opt, seed):
    """torch.manual_seed(seed), then the state dict of a freshly built network."""
    net_opt = {k: v for k, v in network_opt.items() if k not in NON_ARCH_KEYS}
    torch.manual_seed(seed)
    return build_network(net_opt).state_dict()


def save_initial_weights(path, network_opt, seed):
    """{'params': initial_weights(...)} at path, unless the file exists."""
    path = Path(path)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({'params': initial_weights(network_opt, seed)}, path)
    return str(path)
