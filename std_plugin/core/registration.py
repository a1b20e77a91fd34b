"""Import every module of a plugin sub-package whose name ends with a suffix,
so that its @REGISTRY.register() decorators run (BasicSR's own scan only covers
basicsr/)."""
import importlib
import pkgutil


def import_modules(package_name, package_path, suffix):
    modules = []
    for info in sorted(pkgutil.iter_modules(package_path), key=lambda m: m.name):
        if info.name.endswith(suffix):
            modules.append(importlib.import_module(f'{package_name}.{info.name}'))
    return modules
