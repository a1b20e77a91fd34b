"""The documentation resolves: every relative link in README.md, CONTRIBUTING.md,
CHANGELOG.md and docs/*.md points at a file that exists (and, with #anchor, at
a heading of it); every std-* command in their code blocks is a console script
of setup.py; every flag given to one there is a flag that command accepts; and
the README's install and CONTRIBUTING's test command are what .ci/run runs."""
import argparse
import re
from functools import lru_cache
from pathlib import Path

import pytest

from std_plugin.cli import commands_doc
from std_plugin.cli.common import DeprecatedAlias

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / 'README.md', ROOT / 'CONTRIBUTING.md', ROOT / 'CHANGELOG.md', *sorted((ROOT / 'docs').glob('*.md'))]
# Linked from the README and the docs index, generated from the option schema and the
# command parsers; allowed to be missing until they are written, and checked like any other page once they are.
PENDING = {'docs/options.md', 'docs/commands.md'}
# std-train / std-test run BasicSR's pipeline, which builds its parser in parse_options (the plugin
# only renames torch's --local-rank before it): their parser is caught there, without the pipeline.

LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)\)')
FLAG = re.compile(r'^--?[A-Za-z][\w-]*$')


def fenced_free(text):
    """The page's lines with fenced code blocks blanked out (their '#' are no headings)."""
    out, fenced = [], False
    for line in text.split('\n'):
        if line.lstrip().startswith('```'):
            fenced = not fenced
            out.append('')
        else:
            out.append('' if fenced else line)
    return out


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r'[`*_]', '', heading.strip().lstrip('#').strip()).lower()
    return re.sub(r'[^\w\- ]', '', text).replace(' ', '-')


@lru_cache(maxsize=None)
def anchors(path):
    seen, found = {}, set()
    for line in fenced_free(path.read_text(encoding='utf-8')):
        if re.match(r'#{1,6} ', line):
            base = slug(line)
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f'{base}-{n}')
    return found


def links(path):
    for n, line in enumerate(fenced_free(path.read_text(encoding='utf-8')), 1):
        for target in LINK.findall(re.sub(r'`[^`]*`', '', line)):
            if not re.match(r'[a-z]+:', target):  # http:, https:, mailto:
                yield n, target


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for n, target in links(page):
            file_part, _, anchor = target.partition('#')
            dest = (page.parent / file_part).resolve() if file_part else page
            name = f'{page.relative_to(ROOT)}:{n}: {target}'
            if not dest.exists():
                if str(dest.relative_to(ROOT)) not in PENDING:
                    broken.append(f'{name} (no such file)')
            elif anchor and dest.suffix == '.md' and anchor not in anchors(dest):
                broken.append(f'{name} (no heading #{anchor})')
    assert not broken, '\n'.join(broken)


def test_pending_pages_are_linked_from_the_readme():
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert all(f'({name})' in readme for name in PENDING)


def code_lines(path):
    """Lines of fenced and indented (4+ spaces) code blocks, continuation lines joined."""
    text = path.read_text(encoding='utf-8')
    lines, fenced, joined = [], False, ''
    for line in text.split('\n'):
        if line.lstrip().startswith('```'):
            fenced = not fenced
            continue
        if fenced or line.startswith('    '):
            joined += ' ' + line.strip()
            if joined.endswith('\\'):
                joined = joined[:-1]
                continue
            lines.append(joined.strip())
        joined = ''
    return lines


def console_scripts():
    """{'std-x': 'package.module:function'} from setup.py."""
    setup = (ROOT / 'setup.py').read_text()
    return dict(re.findall(r"'(std-[\w-]+)=([\w.]+:\w+)'", setup))


def commands_in_code():
    """(page, command, argv tokens) for every std-* or `python -m <console module>` line."""
    by_module = {target.split(':')[0]: name for name, target in console_scripts().items()}
    by_module['std_plugin.demo'] = 'std-demo'
    found = []
    for page in PAGES:
        for line in code_lines(page):
            words = line.split(' #')[0].split()
            if not words:
                continue
            if re.fullmatch(r'std-[a-z0-9-]+', words[0]):
                found.append((page, words[0], words[1:]))
            elif words[:2] == ['python', '-m'] and len(words) > 2 and words[2] in by_module:
                found.append((page, by_module[words[2]], words[3:]))
    return found


def test_every_std_command_in_a_code_block_is_a_console_script():
    scripts = console_scripts()
    found = commands_in_code()
    assert len({c for _, c, _ in found}) >= 12  # the pages show most commands: the scan finds them
    unknown = sorted({f'{p.relative_to(ROOT)}: {c}' for p, c, _ in found if c not in scripts})
    assert not unknown, unknown


def parser_of(command):
    """The command's argparse parser, built by the one registry of parsers that
    docs/commands.md is generated from (nothing runs)."""
    return commands_doc.parser_of(command)


def options_of(parser, words):
    """Every option string the parser (and the subcommand chosen in words) accepts,
    deprecated spellings (hidden from --help) left out: the docs show the current ones."""
    options = {flag for flag, action in parser._option_string_actions.items() if not isinstance(action, DeprecatedAlias)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = next((w for w in words if w in action.choices), None)
            if chosen:
                options |= options_of(action.choices[chosen], words)
    return options


def test_every_flag_in_a_code_block_is_accepted_by_its_command():
    wrong = []
    for page, command, words in commands_in_code():
        words = [w.strip('[]') for w in words]
        flags = [w.split('=')[0] for w in words if FLAG.match(w.split('=')[0])]
        if not flags or command not in console_scripts():
            continue
        accepted = options_of(parser_of(command), words)
        wrong += [f'{page.relative_to(ROOT)}: {command} {flag}' for flag in flags if flag not in accepted]
    assert not wrong, '\n'.join(wrong)


@pytest.mark.parametrize('flag, accepted', [('--size', True), ('--sizes', False), ('--siz', False)])
def test_flag_check_is_exact(flag, accepted):
    """An abbreviation argparse would accept is still refused in the docs."""
    assert (flag in options_of(parser_of('std-export'), [])) is accepted


def test_ci_installs_as_the_readme_says_and_runs_contributing_test_command():
    ci = (ROOT / '.ci' / 'run').read_text()
    readme = code_lines(ROOT / 'README.md')
    installs = [line.strip() for line in ci.split('\n') if line.strip().startswith('pip install')]
    assert installs and all(line in readme for line in installs), installs
    assert 'python -m pytest -q' in code_lines(ROOT / 'CONTRIBUTING.md') and '\npython -m pytest -q\n' in ci
