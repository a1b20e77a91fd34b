"""Models, in BasicSR's MODEL_REGISTRY: every *_model.py here is imported when
std_plugin is (STDModel, the PISR teacher and student). A new model:
<name>_model.py, a subclass of a BasicSR model."""
from std_plugin.training.registration import import_modules

_modules = import_modules(__name__, __path__, '_model')
