"""Ctrl-C during training is deferred to the next step boundary, so nothing can swallow it."""

from __future__ import annotations

import signal
import time

import pytest

from toolkit.interrupt import StopOnInterrupt, stop_training_on_ctrl_c


def _ctrl_c() -> None:
    # To this (the main) thread, not the process: with other threads alive (wandb, Ray, servers from
    # earlier tests) a process-directed signal may land on one of them and reach Python later.
    signal.raise_signal(signal.SIGINT)
    time.sleep(0.01)


def test_ctrl_c_while_training_raises_at_the_next_step_not_inside_whatever_runs(capsys: pytest.CaptureFixture[str]) -> None:
    callback = StopOnInterrupt()
    before = signal.getsignal(signal.SIGINT)
    with stop_training_on_ctrl_c():
        callback.on_train_begin(None, None, None)
        _ctrl_c()  # e.g. inside a __del__ during checkpoint rotation: must not raise there
        assert "stopping after this training step" in capsys.readouterr().err
        with pytest.raises(KeyboardInterrupt):
            callback.on_step_end(None, None, None)
    assert signal.getsignal(signal.SIGINT) is before  # the handler it found is back


def test_a_second_ctrl_c_and_ctrl_c_outside_training_raise_at_once() -> None:
    callback = StopOnInterrupt()
    with stop_training_on_ctrl_c():
        callback.on_train_begin(None, None, None)
        _ctrl_c()
        with pytest.raises(KeyboardInterrupt):
            _ctrl_c()
    with stop_training_on_ctrl_c():  # gating, loading, generation: no trainer running
        with pytest.raises(KeyboardInterrupt):
            _ctrl_c()
        callback.on_step_end(None, None, None)  # nothing left pending: a later trainer is not stopped by it
