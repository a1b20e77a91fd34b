"""Networks, in BasicSR's ARCH_REGISTRY: every *_arch.py here is imported when
std_plugin is, so its `type:` names work in option files. Also what builds and
feeds any network from its options (network_spec, pre_upsampled, the bicubic
skip, shared scale steps). A new network: <name>_arch.py; a helper that only
networks use: a plain module here."""
from std_plugin.core.registration import import_modules

_modules = import_modules(__name__, __path__, '_arch')
