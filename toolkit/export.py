"""Export a run's policy: base + its SFT, DPO and RL adapters, merged into one standalone model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from toolkit.core.errors import UserInputError
from toolkit.recipe import load_recipe
from toolkit.registry import POLICY_STAGES


def policy_adapters(run_dir: Path, exclude: Sequence[str] = ()) -> list[Path]:
    """The policy adapters a run produced, in the order they were trained (SFT, DPO, RL).

    `exclude` leaves stages out, e.g. ("rl",) for the policy RL started from."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.exists():
        raise UserInputError(str(run_dir), "not a run folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    adapters = []
    for stage in (s for s in POLICY_STAGES if s not in exclude):
        entry = manifest.get("stages", {}).get(stage, {})
        if entry.get("status") == "completed":
            adapters.append(run_dir / entry["artifacts"]["adapter"])  # relative to the run folder
    return adapters


def load_policy(run_dir: Path, merge: bool = True, exclude: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    """The run's trained policy and tokenizer (base model when no policy stage completed)."""
    from peft import PeftModel

    from toolkit.models import load_causal_lm, load_tokenizer

    recipe = load_recipe(run_dir / "recipe.resolved.yaml")
    model = load_causal_lm(recipe.model)
    tokenizer = load_tokenizer(recipe.model.name, recipe.model.trust_remote_code)
    for adapter in policy_adapters(run_dir, exclude):
        model = PeftModel.from_pretrained(model, str(adapter))
        if merge:
            model = model.merge_and_unload()
    return model, tokenizer


def export_policy(run_dir: Path, out: Path, merge: bool = True) -> Path:
    from toolkit.core.io import atomic_write_json

    adapters = policy_adapters(run_dir)
    if not adapters:
        raise UserInputError(str(run_dir), f"no completed {' or '.join(POLICY_STAGES)} stage to export")
    if not merge and len(adapters) > 1:
        raise UserInputError("--no-merge", "the run has several adapters; only --merge can combine them")
    if out.is_dir() and any(out.iterdir()) and not (out / "toolkit_export.json").exists():
        raise UserInputError(f"--out {out}", "folder holds something other than an earlier export; refusing to replace it")
    model, tokenizer = load_policy(run_dir, merge=merge)
    tmp = out.with_name(out.name + ".tmp")
    model.save_pretrained(str(tmp), safe_serialization=True)
    tokenizer.save_pretrained(str(tmp))
    atomic_write_json(tmp / "toolkit_export.json", {"run_dir": str(run_dir), "adapters": [str(a) for a in adapters]})
    if out.exists():
        import shutil

        shutil.rmtree(out)
    tmp.rename(out)
    return out
