"""Data: the datasets BasicSR lacks, in its DATASET_REGISTRY (every *_dataset.py
here is imported when std_plugin is), video_reader.py (the one video reader),
and prep/, the scripts that write the folders and LMDBs BasicSR's datasets read. A new dataset: <name>_dataset.py; a
new preparation script: prep/<source>.py with a console script in cli/prep.py."""
from std_plugin.core.registration import import_modules

_modules = import_modules(__name__, __path__, '_dataset')
