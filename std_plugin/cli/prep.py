"""std-prep-vimeo90k, std-prep-reds, std-prep-vid4, std-prep-video, std-prep-demo:
the dataset scripts of std_plugin.data.prep as console scripts. Each script's
parser lives with it (make_parser in data/prep/cli.py gives them their common
options), so that `python -m std_plugin.data.prep.<source>` and the checkout's
`python datasets_prep/<source>.py` run the same code; each returns its exit
status (2: bad input, one line)."""
from std_plugin.data.prep.demo import main as demo  # noqa: F401
from std_plugin.data.prep.reds import main as reds  # noqa: F401
from std_plugin.data.prep.vid4 import main as vid4  # noqa: F401
from std_plugin.data.prep.video import main as video  # noqa: F401
from std_plugin.data.prep.vimeo90k import main as vimeo90k  # noqa: F401
