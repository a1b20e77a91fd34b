"""Space-Time Distillation (STD, CVPR 2021) for video super-resolution, as a BasicSR plugin.

Importing this package registers its networks, losses, models and datasets in
BasicSR's registries (BasicSR only auto-imports modules from its own folders).
"""
from std_plugin.core.basicsr_patches import import_compat

import_compat.apply()

from std_plugin import archs, data, losses, models  # noqa: E402,F401  (registration side effects)

__version__ = '0.1.0'
