"""W&B tracking: offline runs with the right group/job_type/config, redaction of everything logged,
no-op modes, and a reader that proves what actually landed in the run file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wandb_offline import read_offline_run
from toolkit.core.errors import UserInputError
from toolkit.recipe import Recipe, WandbSettings
from toolkit.tracking import Tracker, redact_value, wandb_mode

EMAIL = "jane.doe@example.com"
PHONE = "+1 415 555 0134"
PII_TEXT = f"contact me at {EMAIL} or {PHONE}"


@pytest.fixture(autouse=True)
def offline_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, silent, and every wandb folder (staging, cache, config) inside the test's tmp dir."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    for variable in ("WANDB_DATA_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_ARTIFACT_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / "wandb-home" / variable.lower()))
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def assert_no_pii(strings: list[str]) -> None:
    everything = "\n".join(strings)
    assert EMAIL not in everything
    assert PHONE not in everything
    assert "415 555 0134" not in everything and "4155550134" not in everything


def only_run_dir(run_dir: Path) -> list[Path]:
    return sorted((run_dir / "wandb").glob("offline-run-*"))


def test_offline_run_holds_config_history_summary_gate_and_redacted_samples(tmp_path: Path) -> None:
    recipe = Recipe(name="t", description=f"owner: {EMAIL}")
    report = {
        "input": 10,
        "kept": 7,
        "quarantined": 3,
        "actions": {"redact": 2, "quarantine": 3},
        "by_category": {"pii": {"redact": 2}, "off_platform": {"quarantine": 3}},
    }
    with Tracker(recipe, "sft", tmp_path / "run", run_id="r1") as tracker:
        assert tracker.report_to() == ["wandb"]
        for loss in (3.0, 2.0, 1.5):
            tracker.log_metrics({"train/loss": loss})
        tracker.log_gate_report(report)
        tracker.log_samples(
            "samples", [{"prompt": "Write a proposal.", "completion": PII_TEXT, "reward": 0.5}]
        )
        tracker.log_summary({"eval/win_rate": 0.75, "note": PII_TEXT})
        run_path = tracker.run_path
    assert tracker.report_to() == ["none"]  # the run is finished

    assert run_path is not None and run_path.parent == tmp_path / "run" / "wandb"
    run = read_offline_run(run_path)
    assert (run.group, run.job_type, run.name) == ("t", "sft", "t-sft-r1")
    assert "sft" in run.tags
    assert run.config["recipe"]["name"] == "t"
    assert run.config["recipe"]["stages"]["dpo"]["beta"] == recipe.stages.dpo.beta
    assert run.config["recipe"]["tracking"]["wandb"]["mode"] == "offline"
    assert run.config["recipe"]["description"] == "owner: [EMAIL]"
    assert run.config["toolkit"] == {"stage": "sft", "run_id": "r1"}
    assert run.metric("train/loss") == [3.0, 2.0, 1.5]
    assert [row["_step"] for row in run.history if "train/loss" in row] == [0, 1, 2]
    assert run.summary["train/loss"] == 1.5  # the last logged value, as W&B summarises history
    assert run.summary["eval/win_rate"] == 0.75
    assert (run.summary["gate/input"], run.summary["gate/kept"], run.summary["gate/quarantined"]) == (
        10,
        7,
        3,
    )
    assert run.summary["gate/actions/quarantine"] == 3
    gate_table = run.tables["gate/categories"]
    assert gate_table.columns == ["category", "action", "count"]
    assert sorted(map(tuple, gate_table.rows)) == [("off_platform", "quarantine", 3), ("pii", "redact", 2)]
    samples = run.tables["samples"]
    assert samples.columns == ["prompt", "completion", "reward"]
    assert samples.rows[0][0] == "Write a proposal." and samples.rows[0][2] == 0.5
    assert "[EMAIL]" in samples.rows[0][1]
    assert run.exit_code == 0

    strings = run.raw_strings()
    assert_no_pii(strings)
    assert any("[EMAIL]" in text for text in strings)


def test_trainer_loss_lands_in_the_trackers_run(tmp_path: Path) -> None:
    import torch
    from datasets import Dataset
    from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainingArguments

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32,
    )  # fmt: skip
    model = LlamaForCausalLM(config)
    ids = torch.randint(0, 64, (8, 16)).tolist()
    dataset = Dataset.from_dict({"input_ids": ids, "labels": ids})
    recipe = Recipe(name="t")
    with Tracker(recipe, "sft", tmp_path / "run", run_id="r2") as tracker:
        args = TrainingArguments(
            output_dir=str(tmp_path / "out"), max_steps=3, logging_steps=1, per_device_train_batch_size=4,
            report_to=tracker.report_to(), use_cpu=True, save_strategy="no", disable_tqdm=True, seed=123,
        )  # fmt: skip
        Trainer(model=model, args=args, train_dataset=dataset).train()
        run_path = tracker.run_path

    run = read_offline_run(run_path)
    losses = run.metric("train/loss")
    assert len(losses) == 3 and all(isinstance(loss, float) and loss > 0 for loss in losses)
    assert run.metric("train/global_step") == [1, 2, 3, 3]  # three logging steps, then the end-of-train row
    assert (run.group, run.job_type, run.name) == ("t", "sft", "t-sft-r2")
    assert run.config["seed"] == 123  # the trainer adds its arguments to our run's config ...
    assert run.config["recipe"]["seed"] == recipe.seed  # ... without overwriting the recipe
    assert "train_loss" in run.summary
    assert len(only_run_dir(tmp_path / "run")) == 1  # the trainer did not start a run of its own


def test_two_stages_in_one_process_make_two_runs_in_one_group(tmp_path: Path) -> None:
    import wandb

    recipe = Recipe(name="pair")
    paths = []
    for stage in ("reward", "dpo"):
        with Tracker(recipe, stage, tmp_path / "run", run_id="r3") as tracker:
            assert wandb.run is not None and wandb.run.job_type == stage
            tracker.log_metrics({f"{stage}/metric": 1.0})
            paths.append(tracker.run_path)
        assert wandb.run is None

    first, second = (read_offline_run(path) for path in paths)
    assert first.group == second.group == "pair"
    assert (first.job_type, second.job_type) == ("reward", "dpo")
    assert first.run_id != second.run_id
    assert first.metric("reward/metric") == [1.0] and second.metric("reward/metric") == []
    assert len(only_run_dir(tmp_path / "run")) == 2


def test_exception_in_the_stage_finishes_the_run_with_a_failing_exit_code(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with Tracker(Recipe(name="t"), "dpo", tmp_path / "run", run_id="r4") as tracker:
            run_path = tracker.run_path
            raise RuntimeError("boom")
    assert read_offline_run(run_path).exit_code == 1


def test_wandb_mode_env_variable_wins_over_the_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wandb_mode(WandbSettings(mode="online")) == "offline"  # the fixture sets WANDB_MODE=offline
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert wandb_mode(WandbSettings(mode="offline")) == "disabled"
    monkeypatch.setenv("WANDB_MODE", "dryrun")
    assert wandb_mode(WandbSettings(mode="online")) == "offline"
    monkeypatch.delenv("WANDB_MODE")
    assert wandb_mode(WandbSettings()) == "offline"
    assert wandb_mode(WandbSettings(mode="disabled")) == "disabled"
    monkeypatch.setenv("WANDB_MODE", "sometimes")
    with pytest.raises(UserInputError, match="WANDB_MODE"):
        wandb_mode(WandbSettings())

    monkeypatch.setenv("WANDB_MODE", "offline")
    recipe = Recipe(name="t", tracking={"wandb": {"mode": "online"}})
    with Tracker(recipe, "sft", tmp_path / "run", run_id="r5") as tracker:
        assert tracker.mode == "offline"
    assert len(only_run_dir(tmp_path / "run")) == 1


@pytest.mark.parametrize(
    ("recipe_mode", "rank_zero"), [("disabled", True), ("offline", False)], ids=["disabled", "non-zero-rank"]
)
def test_tracker_is_a_no_op_when_disabled_or_not_on_rank_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recipe_mode: str, rank_zero: bool
) -> None:
    import wandb

    monkeypatch.delenv("WANDB_MODE")
    recipe = Recipe(name="t", tracking={"wandb": {"mode": recipe_mode}})
    with Tracker(recipe, "sft", tmp_path / "run", run_id="r6", enabled_on_this_rank=rank_zero) as tracker:
        assert wandb.run is None
        assert tracker.report_to() == ["none"]
        tracker.log_metrics({"loss": 1.0})
        tracker.log_summary({"loss": 1.0})
        tracker.log_table("t", ["a"], [[PII_TEXT]])
        tracker.log_samples("s", [{"a": PII_TEXT}])
        tracker.log_gate_report({"input": 1, "kept": 1})
        assert tracker.run_path is None
    assert not (tmp_path / "run").exists()


def test_redact_value_redacts_every_string_in_nested_data() -> None:
    value = {"a": [PII_TEXT, 3, None, {"b": (EMAIL, 1.5, True)}], EMAIL: "key is PII too", "n": 7}
    redacted = redact_value(value)
    assert_no_pii([repr(redacted)])
    assert redacted["a"][1:3] == [3, None]
    assert redacted["a"][3]["b"][1:] == [1.5, True]
    assert redacted["n"] == 7
    assert "[EMAIL]" in redacted["a"][3]["b"][0]
    assert value["a"][0] == PII_TEXT  # the input is not modified


def test_reader_joins_records_that_span_blocks_and_finds_the_run_from_a_parent(tmp_path: Path) -> None:
    long_text = "".join(f"line {i}; " for i in range(12_000))  # ~110 KB: FIRST, MIDDLE..., LAST chunks
    with Tracker(Recipe(name="t"), "eval", tmp_path / "run", run_id="r7") as tracker:
        tracker.log_summary({"notes": long_text})
        tracker.log_metrics({"after": 1.0})
        run_path = tracker.run_path

    run_file = next(run_path.glob("run-*.wandb"))
    for where in (run_path, run_file, tmp_path / "run"):
        run = read_offline_run(where)
        assert run.summary["notes"] == long_text
        assert run.metric("after") == [1.0]
    assert run_file.stat().st_size > 3 * 32 * 1024


def test_reader_rejects_a_corrupt_or_foreign_file(tmp_path: Path) -> None:
    with Tracker(Recipe(name="t"), "eval", tmp_path / "run", run_id="r8") as tracker:
        tracker.log_metrics({"x": 1.0})
        run_path = tracker.run_path
    run_file = next(run_path.glob("run-*.wandb"))
    data = bytearray(run_file.read_bytes())
    data[20] ^= 0xFF
    corrupt = tmp_path / "corrupt" / "run-x.wandb"
    corrupt.parent.mkdir()
    corrupt.write_bytes(bytes(data))
    with pytest.raises(UserInputError, match="checksum mismatch"):
        read_offline_run(corrupt)
    foreign = tmp_path / "foreign" / "run-y.wandb"
    foreign.parent.mkdir()
    foreign.write_bytes(b"not a wandb file at all")
    with pytest.raises(UserInputError, match="bad header"):
        read_offline_run(foreign)
    with pytest.raises(UserInputError, match="exactly one"):
        read_offline_run(tmp_path)  # holds the real run and the two copies
