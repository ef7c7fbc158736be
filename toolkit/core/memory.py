"""Give memory back between stages, and measure it.

A finished stage's model, reference model and trainer hold reference cycles (peft wrappers, hooks,
callbacks), so they linger until Python's oldest-generation collection happens to run, and the
tensors they freed stay in glibc's heap instead of returning to the OS. Inside one `toolkit run`
that stacked every stage's model: ~9 GB by the eval stage on the 135M demo. `release_memory` runs
the collector and asks glibc to trim its heap, so the next stage starts near where the last began.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import resource
import sys


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    """The process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _malloc_trim() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl): nothing to trim
        pass


def release_memory() -> None:
    """Collect unreachable objects (cycles included), empty the CUDA cache, return freed heap to the OS."""
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    _malloc_trim()
