from std_plugin.registration import import_modules

_modules = import_modules(__name__, __path__, '_arch')
