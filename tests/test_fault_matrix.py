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
    assert scripts == listed


@pytest.mark.parametrize('command', [c for c in fault_matrix.COMMANDS if c.runs_quickly], ids=lambda c: c.name)
def test_the_valid_command_succeeds(command, world, capsys):
    """Each cell changes one argument of a command that works: its answer is that argument's fault."""
    cell = fault_matrix.Cell(command, next(iter(command.paths)), fault_matrix.Fault('none', (), '', None))
    cell.fault.make = lambda w, flag, value: value
    status, err, same = fault_matrix.run_cell(cell, world, lambda: capsys.readouterr().err)
    assert status in (0, None), err[-3:]
    assert same
