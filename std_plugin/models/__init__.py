"""Models, in BasicSR's MODEL_REGISTRY: every *_model.py here is imported when
std_plugin is (STDModel, the PISR teacher and student), all on
RobustVideoBaseModel (BasicSR's VideoBaseModel with the fixes every model needs).
A new model: <name>_model.py, a subclass of RobustVideoBaseModel."""
from std_plugin.core.registration import import_modules

_modules = import_modules(__name__, __path__, '_model')
