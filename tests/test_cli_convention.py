"""One command-line convention for every console script of setup.py: --help
names the command as installed, bad input given to its main flag is one line
`std-<command>: error: ...` and exit status 2, and docs/commands.md is what
the parsers say. Each main() runs in this process as its console script runs
it (sys.argv set, no arguments)."""
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from std_plugin.cli import commands_doc
from std_plugin.cli.arg_types import size_wxh

REPO = Path(__file__).resolve().parents[1]


def console_scripts():
    """{name: 'module:function'} of setup.py's console_scripts."""
    return dict(re.findall(r"'(std-[\w-]+)=([\w.]+:\w+)'", (REPO / 'setup.py').read_text()))


SCRIPTS = console_scripts()


def entry(name):
    module, function = SCRIPTS[name].split(':')
    return getattr(importlib.import_module(module), function)


def run_script(name, argv, monkeypatch, capsys):
    """(exit status, stdout, stderr) of console script `name` given argv."""
    monkeypatch.setattr(sys, 'argv', [name, *argv])
    try:
        status = entry(name)() or 0
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def test_sixteen_console_scripts_all_documented():
    assert len(SCRIPTS) == 16
    assert set(commands_doc.PARSERS) == set(SCRIPTS)


@pytest.mark.parametrize('name', list(SCRIPTS))
def test_help_names_the_command(name, monkeypatch, capsys):
    status, out, _ = run_script(name, ['--help'], monkeypatch, capsys)
    assert status == 0
    assert out.startswith(f'usage: {name} ')


def bad_inputs(tmp):
    """name -> argv whose main flag names a missing (or wrong-kind) input."""
    missing_yml, missing = str(tmp / 'missing.yml'), str(tmp / 'missing')
    a_file = tmp / 'a_file'
    a_file.write_text('x')
    return {
        'std-train': (['-opt', missing_yml], f'-opt: {missing_yml} does not exist'),
        'std-test': (['-opt', missing_yml], f'-opt: {missing_yml} does not exist'),
        'std-demo': (['--root', str(a_file)], f'--root: {a_file} is a file; expected a folder'),
        'std-compare': (['-opt', missing_yml], f'-opt: {missing_yml} does not exist'),
        'std-teacher-check': (['-opt', missing_yml], f'-opt: {missing_yml} does not exist'),
        'std-pretrain-lstm': (['-opt', missing_yml, '--out', str(tmp / 'o.pth')],
                              f'-opt: {missing_yml} does not exist'),
        'std-table': (['test', '-opt', missing_yml], f'-opt: {missing_yml} does not exist'),
        'std-infer': (['--model', missing, '--arch', 'FastDVDnetVSR', '--input', missing, '--out', str(tmp / 'o')],
                      f'--model: {missing} does not exist'),
        'std-export': (['--model', missing, '--arch', 'FastDVDnetVSR', '--out', str(tmp / 'o.onnx')],
                       f'--model: {missing} does not exist'),
        'std-profile': (['--size', 'big'], "argument --size: expected WxH such as 180x120, got 'big'"),
        'std-bench': (['--device', 'tpu'], "argument --device: 'tpu': expected cpu, cuda or cuda:N"),
        'std-prep-vimeo90k': (['--input', missing, '--out', str(tmp / 'o')], f'--input: {missing} does not exist'),
        'std-prep-reds': (['--input', missing, '--out', str(tmp / 'o')], f'--input: {missing} does not exist'),
        'std-prep-vid4': (['--input', missing, '--out', str(tmp / 'o')], f'--input: {missing} does not exist'),
        'std-prep-video': (['--input', missing, '--out', str(tmp / 'o'), '--layout', 'vid4'],
                           f'--input: {missing} does not exist'),
        'std-prep-demo': (['--out', str(a_file)], f'--out: {a_file} is a file; expected a folder'),
    }


@pytest.mark.parametrize('name', list(SCRIPTS))
def test_bad_input_is_one_line_and_exit_2(name, tmp_path, monkeypatch, capsys):
    argv, message = bad_inputs(tmp_path)[name]
    status, _, err = run_script(name, argv, monkeypatch, capsys)
    assert 'Traceback' not in err
    assert status == 2
    usage_error = f' (see {name} --help)'  # argparse found it: the line says where the flags are listed
    assert err.splitlines() in ([f'{name}: error: {message}'], [f'{name}: error: {message}{usage_error}'])


def test_a_usage_error_is_one_line_naming_the_command(monkeypatch, capsys):
    status, _, err = run_script('std-compare', [], monkeypatch, capsys)
    assert status == 2
    assert err.splitlines() == ['std-compare: error: the following arguments are required: -opt '
                                '(see std-compare --help)']
    status, _, err = run_script('std-table', ['test'], monkeypatch, capsys)
    assert err.splitlines() == ['std-table: error: the following arguments are required: -opt '
                                '(see std-table test --help)']


def test_former_flag_names_still_work(tmp_path, monkeypatch, capsys):
    missing = tmp_path / 'missing'
    status, _, err = run_script('std-prep-vid4', ['--root', str(missing), '--out', str(tmp_path / 'o')],
                                monkeypatch, capsys)
    assert status == 2
    assert err.splitlines() == ['std-prep-vid4: note: --root is now --input',
                                f'std-prep-vid4: error: --input: {missing} does not exist']
    from std_plugin.cli import eval_table
    args = eval_table.build_parser().parse_args(['folders', '--gt', 'g', '--sr', 's', '--out-dir', 'tables'])
    assert args.out == 'tables'
    assert '--out-dir' not in eval_table.build_parser()._subparsers._group_actions[0].choices['folders'].format_help()


def test_gt_size_is_width_by_height():
    from std_plugin.cli.prep import video_parser
    args = video_parser().parse_args(['--out', 'o', '--layout', 'vimeo', '--gt-size', '448x256'])
    assert args.gt_size == (448, 256)
    assert size_wxh('1280X720') == (1280, 720)


def test_python_m_demo_is_std_demo():
    proc = subprocess.run([sys.executable, '-m', 'std_plugin.demo', '--help'], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.returncode == 0 and proc.stdout.startswith('usage: std-demo ')


def test_commands_doc_is_generated_from_the_parsers():
    """Regenerate with: python -m std_plugin.cli.commands_doc > docs/commands.md"""
    assert (REPO / 'docs' / 'commands.md').read_text() == commands_doc.render()


def test_contributing_carries_the_current_convention_table():
    """Regenerate with: python -m std_plugin.cli.commands_doc --convention (between the markers)."""
    text = (REPO / 'CONTRIBUTING.md').read_text()
    table = text.split('<!-- convention table: generated; do not edit -->\n')[1].split('<!-- end of convention')[0]
    assert table == commands_doc.convention_table()
    assert '| `std-infer` |  | x | x | x |  | x |' in table  # --input, --out, --overwrite, --device
