"""Ctrl-C during training stops at the next step boundary, every time.

Python raises KeyboardInterrupt wherever the main thread happens to be when SIGINT arrives; inside a
`__del__` or a weakref callback (checkpoint rotation and tensor clean-up run plenty) it is printed as
"Exception ignored" and swallowed, and training went on (seen on a loaded CI machine: the run trained
600 more steps after Ctrl-C). While a trainer runs, the first Ctrl-C therefore only records the request
and `StopOnInterrupt` raises KeyboardInterrupt at the next (sub)step, log or eval step, where the run's
usual handling marks the manifest interrupted; a second Ctrl-C raises at once. Outside training (gating,
model loading, generation) Ctrl-C raises immediately as usual.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from transformers import TrainerCallback

_requested = threading.Event()
_training = threading.Event()


def _on_sigint(signum: int, frame: Any) -> None:
    if _training.is_set() and not _requested.is_set():
        _requested.set()
        print("interrupt: stopping after this training step (Ctrl-C again to stop now)", file=sys.stderr, flush=True)
        return
    signal.default_int_handler(signum, frame)


@contextmanager
def stop_training_on_ctrl_c() -> Iterator[None]:
    """Install the deferred Ctrl-C handler for the duration of a run (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _requested.clear()
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _requested.clear()
        _training.clear()


def raise_if_interrupted() -> None:
    if _requested.is_set():
        _training.clear()
        raise KeyboardInterrupt


class StopOnInterrupt(TrainerCallback):
    """Raises a requested Ctrl-C at the trainer's step boundaries (see the module docstring)."""

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        _training.set()
        raise_if_interrupted()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        _training.clear()

    def on_substep_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        raise_if_interrupted()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        raise_if_interrupted()

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        raise_if_interrupted()

    def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        raise_if_interrupted()
