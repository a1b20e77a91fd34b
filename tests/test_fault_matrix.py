"""The fault matrix (tests/fault_matrix.py): every console script and training,
every path argument, every class of fault its kind admits. Each cell: exit
status 2, one line naming the argument (or the file) and the cause, no
traceback, the inputs' bytes unchanged."""
import pytest

from tests import fault_matrix


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    return fault_matrix.World(tmp_path_factory.mktemp('matrix'))


CELLS = fault_matrix.cells()


@pytest.mark.parametrize('cell', CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, world, capsys):
    capsys.readouterr()
    status, err, same = fault_matrix.run_cell(cell, world, lambda: capsys.readouterr().err)
    assert same, 'an input changed'
    assert fault_matrix.answer(cell, status, err) == 'ok', (status, err[-3:])


def test_every_console_script_is_in_the_matrix():
    import re
    from pathlib import Path
    setup = (Path(fault_matrix.REPO) / 'setup.py').read_text()
    scripts = set(re.findall(r"'(std-[\w-]+)=", setup))
    listed = {c.name.split()[0] for c in fault_matrix.COMMANDS}
    assert scripts <= listed, scripts - listed
    assert listed - scripts == {'gpu_check'}  # python -m std_plugin.cli.gpu_check, not a console script


@pytest.mark.parametrize('command', [c for c in fault_matrix.COMMANDS if c.runs_quickly], ids=lambda c: c.name)
def test_the_valid_command_succeeds(command, world, capsys):
    """Each cell changes one argument of a command that works: its answer is that argument's fault."""
    cell = fault_matrix.Cell(command, next(iter(command.paths)), fault_matrix.Fault('none', (), '', None))
    cell.fault.make = lambda w, flag, value: value
    status, err, same = fault_matrix.run_cell(cell, world, lambda: capsys.readouterr().err)
    assert status in (0, None), err[-3:]
    assert same


def new_command(argv):
    """A command written today: its path arguments declared with their kinds,
    its body as plain as can be (copies the first frame it finds)."""
    import argparse
    import os

    from std_plugin.core.errors import run_command
    from std_plugin.core.path_args import FOLDER, OUT_FILE, add_path_argument, parse_checked

    def parse(args):
        p = argparse.ArgumentParser(prog='std-new')
        add_path_argument(p, '--frames', kind=FOLDER, required=True)
        add_path_argument(p, '--copy', kind=OUT_FILE, required=True)
        return parse_checked(p, args)

    def body(args):
        first = sorted(os.listdir(args.frames))[0]
        with open(os.path.join(args.frames, first), 'rb') as src, open(args.copy, 'wb') as dst:
            dst.write(src.read())
    run_command('std-new', parse, body, argv)


NEW = fault_matrix.Command('std-new', new_command, lambda w: {'--frames': w.lr, '--copy': w.out / 'copy' / 'f.png'},
                           {'--frames': fault_matrix.FOLDER, '--copy': fault_matrix.OUT_FILE}, runs_quickly=True)


@pytest.mark.parametrize('fault', [f for f in fault_matrix.FAULTS if any(fault_matrix.applies(NEW, flag, f)
                                                                         for flag in NEW.paths)],
                         ids=lambda f: f.name)
def test_a_new_command_gets_the_answers_by_being_listed(fault, world, capsys):
    for flag in [f for f in NEW.paths if fault_matrix.applies(NEW, f, fault)]:
        cell = fault_matrix.Cell(NEW, flag, fault)
        capsys.readouterr()
        status, err, same = fault_matrix.run_cell(cell, world, lambda: capsys.readouterr().err)
        assert same and fault_matrix.answer(cell, status, err) == 'ok', (flag, status, err[-3:])
