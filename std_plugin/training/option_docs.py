"""docs/options.md, the options reference, rendered from the option schema:

    python -m std_plugin.training.option_docs > docs/options.md
"""
from std_plugin.training.option_schema import OPTIONS, show, type_text


def default_text(option):
    if option.default_doc is not None:
        return option.default_doc
    if option.default is None and None not in (option.choices or ()):
        return 'none'
    return f'`{show(option.default)}`'


def render_markdown():
    """docs/options.md: one entry per key."""
    lines = ['# Options reference', '',
             'The keys std_plugin adds to a BasicSR option file. Each is checked when the file is parsed, before '
             'any dataset or network is built: a wrong type or value stops the run with one line naming the key '
             'and the values allowed (exit status 2). Keys of a loss or network section apply when the section '
             'has the type named. `~` is YAML\'s null.', '',
             'Generated from `std_plugin/training/option_schema.py`: '
             '`python -m std_plugin.training.option_docs > docs/options.md`.', '']
    for option in OPTIONS:
        lines += [f'## `{option.key}`', '', option.doc, '']
        if option.section_type:
            lines.append(f'- applies when: `type: {option.section_type}`')
        lines.append(f'- type: {type_text(option)}' + (' or `~`' if option.nullable else ''))
        if option.choices is not None:
            lines.append(f'- allowed: {", ".join(f"`{show(c)}`" for c in option.choices)}')
        used = ', '.join(f'`std_plugin/{path}`' for path in option.used_in.split(', '))
        lines += [f'- default: {default_text(option)}', f'- used in: {used}', '']
    return '\n'.join(lines)


if __name__ == '__main__':
    print(render_markdown(), end='')
