"""docs/commands.md, generated from the parsers themselves: every console
script with its description and a table of its flags.

    python -m std_plugin.cli.commands_doc > docs/commands.md

tests/test_cli_convention.py checks that the committed file is this output.
"""
import argparse
import importlib
import re
import sys

# Every console script of setup.py and where its parser is built ("module:function").
PARSERS = {
    'std-train': 'std_plugin.train:build_parser',
    'std-test': 'std_plugin.test:build_parser',
    'std-demo': 'std_plugin.demo.command:build_parser',
    'std-compare': 'std_plugin.cli.compare:build_parser',
    'std-teacher-check': 'std_plugin.cli.teacher_check:build_parser',
    'std-pretrain-lstm': 'std_plugin.cli.pretrain_lstm:build_parser',
    'std-table': 'std_plugin.cli.eval_table:build_parser',
    'std-infer': 'std_plugin.cli.infer:build_parser',
    'std-export': 'std_plugin.cli.export:build_parser',
    'std-profile': 'std_plugin.cli.profile:build_parser',
    'std-bench': 'std_plugin.cli.bench:build_parser',
    'std-prep-vimeo90k': 'std_plugin.cli.prep:vimeo90k_parser',
    'std-prep-reds': 'std_plugin.cli.prep:reds_parser',
    'std-prep-vid4': 'std_plugin.cli.prep:vid4_parser',
    'std-prep-video': 'std_plugin.cli.prep:video_parser',
    'std-prep-demo': 'std_plugin.cli.prep:demo_parser',
}


def parser_of(name):
    """The argparse parser of console script `name`."""
    module, function = PARSERS[name].split(':')
    return getattr(importlib.import_module(module), function)()


def cell(text):
    return ' '.join(str(text).split()).replace('|', '\\|')


def flag_rows(parser):
    """[(flag with its metavar, meaning)] of a parser's documented flags."""
    formatter = parser._get_formatter()  # argparse's own rendering of '-o FILE, --out FILE'
    rows = []
    for action in parser._actions:  # argparse has no public list of a parser's actions
        if action.help == argparse.SUPPRESS or isinstance(action, (argparse._HelpAction,
                                                                   argparse._SubParsersAction)):
            continue
        meaning = formatter._expand_help(action) if action.help else ''
        rows.append((formatter._format_action_invocation(action), meaning))
    return rows


def flag_table(parser):
    lines = ['| flag | meaning |', '|---|---|']
    lines += [f'| `{cell(flag)}` | {cell(meaning)} |' for flag, meaning in flag_rows(parser)]
    return lines


def subcommands(parser):
    """{name: parser} of a parser's subcommands ({} without)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def section(name, parser):
    lines = [f'## {name}', '', parser.description or '', '']
    subs = subcommands(parser)
    if not subs:
        return lines + flag_table(parser) + ['']
    for sub_name, sub in subs.items():
        lines += [f'### {name} {sub_name}', ''] + flag_table(sub) + ['']
    return lines


def summary(parser):
    """The description's first sentence."""
    text = ' '.join((parser.description or '').split())
    head = re.sub(r'^std-[\w-]+: ', '', text)
    sentence = re.split(r'(?<=[.?])\s', head)[0]
    return sentence[:1].upper() + sentence[1:]


CONVENTION = ['-opt', '--input', '--out', '--overwrite', '--fresh', '--device', '--workers']


def convention_table():
    """Markdown: which of the shared flags each command takes (x), every other
    flag named; CONTRIBUTING.md carries it between markers."""
    lines = ['| command | ' + ' | '.join(f'`{flag}`' for flag in CONVENTION) + ' | its own flags |',
             '|---|' + ':---:|' * len(CONVENTION) + '---|']
    for name in PARSERS:
        parsers = [parser_of(name)] + list(subcommands(parser_of(name)).values())
        flags = {flag for p in parsers for flag, action in p._option_string_actions.items()
                 if action.help != argparse.SUPPRESS and flag not in ('-h', '--help')}
        longest = {max(a.option_strings, key=len) for p in parsers for a in p._actions if a.option_strings}
        own = sorted(f for f in flags & longest if f not in CONVENTION)
        cells = ['x' if flag in flags else '' for flag in CONVENTION]
        lines.append(f'| `{name}` | ' + ' | '.join(cells) + ' | ' + ' '.join(f'`{f}`' for f in own) + ' |')
    return '\n'.join(lines) + '\n'


def render():
    parsers = {name: parser_of(name) for name in PARSERS}
    lines = ['# Console scripts', '',
             'Every `std-*` command, its purpose and its flags, generated from the parsers '
             '(`python -m std_plugin.cli.commands_doc > docs/commands.md`). `std-<command> --help` '
             'prints the same with examples. Every command answers bad input with one line '
             '`std-<command>: error: ...` on stderr and exit status 2. `--out` names the output '
             '(a folder or a file), `--overwrite` replaces existing output files, `--fresh` '
             'retrains finished runs, `--workers` sets the processes working in parallel, '
             '`--device` the torch device.', '',
             '| command | what it does |', '|---|---|']
    lines += [f'| [{name}](#{name}) | {cell(summary(p))} |' for name, p in parsers.items()]
    lines.append('')
    for name, parser in parsers.items():
        lines += section(name, parser)
    return '\n'.join(lines).rstrip() + '\n'


if __name__ == '__main__':
    print(convention_table() if sys.argv[1:] == ['--convention'] else render(), end='')
