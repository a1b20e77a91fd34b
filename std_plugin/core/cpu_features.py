"""What the CPU can compute natively, as Linux reports it (/proc/cpuinfo):
which precision paths are fast here and what the arithmetic peak is. Elsewhere
(no /proc/cpuinfo) every feature reads as absent."""
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def cpu_info():
    """(flags, MHz or None, model name) of the first CPU."""
    try:
        with open('/proc/cpuinfo') as f:
            text = f.read()
    except OSError:
        return frozenset(), None, 'unknown CPU'
    flags = re.search(r'^flags\s*:(.*)$', text, re.M)
    mhz = re.search(r'^cpu MHz\s*:\s*([\d.]+)', text, re.M)
    name = re.search(r'^model name\s*:\s*(.*)$', text, re.M)
    return (frozenset(flags.group(1).split()) if flags else frozenset(), float(mhz.group(1)) if mhz else None,
            name.group(1).strip() if name else 'unknown CPU')


def native_bf16():
    """bf16 arithmetic in hardware (AVX512-BF16 or AMX); elsewhere PyTorch
    emulates it, several times slower than fp32."""
    return bool({'avx512_bf16', 'amx_bf16'} & cpu_info()[0])


def has_vnni():
    """An 8-bit dot-product instruction (AVX512-VNNI or AVX-VNNI)."""
    return bool({'avx512_vnni', 'avx_vnni'} & cpu_info()[0])
