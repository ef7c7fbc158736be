"""Safety-aware post-training toolkit: recipes, gated data, TRL stages, tracking and reports."""

import logging

__version__ = "0.1.0"

# bitsandbytes warns on every import on CPUs without its optional `kernels` package; 4-bit training
# needs CUDA anyway (the toolkit says so itself when a recipe asks for it).
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
