"""Losses, in BasicSR's LOSS_REGISTRY: every *_loss.py here is imported when
std_plugin is (SD, TD, and PISR's). A new loss: <name>_loss.py."""
from std_plugin.core.registration import import_modules

_modules = import_modules(__name__, __path__, '_loss')
