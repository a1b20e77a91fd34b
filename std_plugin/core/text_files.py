"""A file the user named that must be text (an option file, a meta_info list):
its text, or one line naming the key, the file and what was expected."""


def read_text(path, key, expected, error):
    """The UTF-8 text of path; raises error(...) when the file is binary."""
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        text = None
    if text is None or '\0' in text:
        raise error(f'{key}: {path} is not a text file (it starts with {raw[:12]!r}); expected {expected}')
    return text
