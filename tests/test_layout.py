"""The package layout (CONTRIBUTING.md, "Layout"): few top-level entries, a
docstring in every subpackage, core/ under everything, no cycle between
subpackages, console scripts on top and nothing below them importing them."""
import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / 'std_plugin'
ENTRY_MODULES = {'train.py', 'test.py'}  # python -m std_plugin.train / .test
# The command-line convention (parser factory, shared flags, error path): used by
# every console script, std-demo's (demo/command.py), std-train's and std-test's included.
CONVENTION = ('std_plugin.cli.common', 'std_plugin.cli.arg_types', 'std_plugin.cli.basicsr_flags')


def modules():
    return [p for p in PACKAGE.rglob('*.py') if '__pycache__' not in p.parts]


def imported(path):
    """Every std_plugin module path a file imports (from X import y counts X.y too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f'{node.module}.{alias.name}' for alias in node.names)
    return {n for n in names if n.startswith('std_plugin')}


def importers_of(prefix):
    return sorted(str(p.relative_to(PACKAGE)) for p in modules()
                  if any(n == prefix or n.startswith(prefix + '.') for n in imported(p)))


def test_top_level_has_at_most_13_entries_besides_init():
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name not in ('__init__.py', '__pycache__'))
    assert len(entries) <= 13, entries
    assert {p for p in entries if p.endswith('.py')} == ENTRY_MODULES  # every other module sits in a folder


def test_every_subpackage_states_its_concept():
    for init in PACKAGE.rglob('__init__.py'):
        if init.parent != PACKAGE:
            assert ast.get_docstring(ast.parse(init.read_text())), f'{init} has no docstring'


def command_modules_imported(path):
    return {n for n in imported(path) if n.startswith('std_plugin.cli.') and not n.startswith(CONVENTION)}


def test_nothing_below_the_console_scripts_imports_them():
    outside = [str(p.relative_to(PACKAGE)) for p in modules()
               if command_modules_imported(p) and p.parent.name != 'cli']
    assert outside == []
    users = [m for c in CONVENTION for m in importers_of(c) if not m.startswith('cli/')]
    # std-demo's parser (so that `python -m std_plugin.demo` works), std-train's and std-test's
    assert sorted(set(users)) == ['demo/command.py', 'test.py', 'train.py']


def test_no_console_script_module_imports_the_demo():
    # the demo holds its own command (demo/command.py): cli/ and demo/ import each other in one direction only
    assert [m for m in importers_of('std_plugin.demo') if not m.startswith('demo/')] == []


def test_every_console_script_is_in_cli_or_an_entry_module():
    setup = (PACKAGE.parent / 'setup.py').read_text()
    targets = re.findall(r"'std-[\w-]+=([\w.]+):\w+'", setup)
    assert len(targets) == 16
    assert all(t.startswith('std_plugin.cli.') or t in ('std_plugin.train', 'std_plugin.test', 'std_plugin.demo.command')
               for t in targets)


def subpackage_of(name):
    """'std_plugin.core.errors.StdError' -> 'core'; None for the package root and its entry modules."""
    parts = name.split('.')
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else None


def subpackage_graph():
    """{subpackage: {the subpackages its modules import}}, from every module's imports
    (`import std_plugin`, which registers everything, is not an edge: see the core test)."""
    graph = {p.name: set() for p in PACKAGE.iterdir() if (p / '__init__.py').exists()}
    for path in modules():
        source = subpackage_of('.'.join(('std_plugin',) + path.relative_to(PACKAGE).parts))
        if source is not None:
            graph[source].update(t for t in map(subpackage_of, imported(path)) if t not in (None, source))
    return graph


def cycle_in(graph):
    """One cycle of `graph` as [a, b, ..., a], each importing the next, or None."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        return err.args[1][::-1]  # graphlib lists each node before the one that depends on it
    return None


def test_cycle_in_finds_the_cycle_of_a_hand_made_graph():
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    cycle = cycle_in(graph)
    assert cycle[0] == cycle[-1] and sorted(cycle[1:]) == ['a', 'b', 'c']
    assert all(after in graph[before] for before, after in zip(cycle, cycle[1:]))
    assert cycle_in({'a': {'b'}, 'b': set(), 'c': {'a', 'b'}}) is None
    assert subpackage_of('std_plugin.core.errors.StdError') == 'core'
    assert subpackage_of('std_plugin.train') is None and subpackage_of('std_plugin') is None


def test_no_cycle_between_subpackages():
    cycle = cycle_in(subpackage_graph())
    assert cycle is None, f'subpackages import each other in a cycle: {" -> ".join(cycle)}'


def test_core_imports_nothing_above_it():
    assert subpackage_graph()['core'] == set()
    # nor the package root, whose import registers archs, data, losses and models
    assert [str(p.relative_to(PACKAGE)) for p in (PACKAGE / 'core').rglob('*.py') if 'std_plugin' in imported(p)] == []
