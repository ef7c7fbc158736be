"""The annotation web app through Starlette's test client: auth, isolation, CSRF, escaping, form
errors, hand-out rules and the submission rate bound."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.annotate_fixtures import HOSTILE, Annotating, csrf_of, make_store
from toolkit.annotate.app import AppSettings, create_app
from toolkit.annotate.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


def test_login_needs_a_valid_token_and_the_forms_csrf_token(store: Store) -> None:
    from starlette.testclient import TestClient

    store.add_annotator("fl-1", "ecommerce")
    client = TestClient(create_app(store.path))
    assert client.get("/task", follow_redirects=False).headers["location"] == "/login"
    page = client.get("/login")
    wrong = client.post("/login", data={"token": "not-a-token", "csrf": csrf_of(page.text)})
    assert wrong.status_code == 401 and "That token is not valid" in wrong.text
    forged = client.post("/login", data={"token": "x", "csrf": "forged"})
    assert forged.status_code == 403 and "did not come from this site" in forged.text


def test_failed_logins_are_throttled_per_client(store: Store) -> None:
    from starlette.testclient import TestClient

    client = TestClient(create_app(store.path))
    csrf = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"token": f"guess-{i}", "csrf": csrf}).status_code for i in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_rank_judgement_is_stored_in_task_order_whatever_the_screen_order(store: Store) -> None:
    token = store.add_annotator("fl-1", "ecommerce")
    annotator = Annotating(store, token)
    task_id = annotator.current_task_id()
    assert task_id == "rank-1"
    swapped = store.assignment("fl-1", task_id)[0].swapped  # type: ignore[index]
    left_text = re.search(r'id="answer-left">\s*<h3>Answer A</h3>\s*<pre>([^<]*)</pre>', annotator.page.text).group(1)  # type: ignore[union-attr]
    assert ("i can do it cheap" in left_text) == swapped  # the recorded order is the one shown
    response = annotator.submit(task_id, choice="left", rationale="more specific", harm_right="toxicity")
    assert response.status_code == 200 and "Saved: rank-1" in response.text
    [judgement] = store.judgements("fl-1")
    assert judgement.choice == ("second" if swapped else "first")
    assert judgement.harm_categories == {("first" if swapped else "second"): ["toxicity"]}


def test_an_annotator_sees_and_submits_only_their_own_tasks(store: Store) -> None:
    first = Annotating(store, store.add_annotator("fl-1", "ecommerce"))
    second = Annotating(store, store.add_annotator("fl-2", "design"))
    task_of_first = first.current_task_id()
    first.submit(task_of_first, choice="right", rationale="mine: secret reasoning")  # type: ignore[arg-type]
    # fl-2 was handed a task too, but cannot submit one that was never handed to them
    handed_to_second = second.current_task_id()
    not_theirs = {"rank-1", "rank-2", "write-1"} - {handed_to_second}
    response = second.submit(sorted(not_theirs)[0], choice="left", rationale="sneaky")
    assert response.status_code == 404 and "not handed to you" in response.text
    assert [j.annotator_id for j in store.judgements()] == ["fl-1"]
    assert "secret reasoning" not in second.client.get("/mine").text
    assert "secret reasoning" in first.client.get("/mine").text
    admin = second.client.get("/admin")
    assert admin.status_code == 403 and "for coordinators" in admin.text


def test_submissions_need_the_sessions_csrf_token(store: Store) -> None:
    annotator = Annotating(store, store.add_annotator("fl-1", None))
    other = Annotating(store, store.add_annotator("fl-2", None))
    task_id = annotator.current_task_id()
    for forged in ("", "guess", other.csrf):  # another session's token does not work either
        response = annotator.client.post(f"/task/{task_id}", data={"csrf": forged, "choice": "left", "rationale": "ok ok"})
        assert response.status_code == 403
    assert store.judgements() == []


def test_script_tags_in_prompts_answers_and_rationales_are_escaped(store: Store) -> None:
    annotator = Annotating(store, store.add_annotator("fl-1", None))
    page = annotator.page.text
    assert "<script>" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "script-src 'self'" in annotator.page.headers["content-security-policy"]
    annotator.submit("rank-1", choice="left", rationale=f"see {HOSTILE}")
    mine = annotator.client.get("/mine").text
    assert "<script>" not in mine and "&lt;script&gt;" in mine


def test_bad_form_input_gets_a_clear_message_and_keeps_what_was_typed(store: Store) -> None:
    annotator = Annotating(store, store.add_annotator("fl-1", None))
    cases = [
        ({"rationale": "fine answer"}, "Choose which answer is better, or tie / both bad."),
        ({"choice": "sideways", "rationale": "fine answer"}, "Choose which answer is better"),
        ({"choice": "left"}, "The rationale is required"),
        ({"choice": "left", "rationale": "x" * 2001}, "The rationale is too long (2001 characters; at most 2000)."),
        ({"choice": "left", "rationale": "ok then", "harm_left": "made_up"}, "Unknown safety category 'made_up'"),
    ]
    for form, message in cases:
        response = annotator.submit("rank-1", **form)
        assert response.status_code == 400 and message in html.unescape(response.text), (form, response.text[:500])
        assert "Traceback" not in response.text
    response = annotator.submit("rank-1", choice="tie", harm_left="bogus", rationale="kept text")
    assert "kept text" in response.text and 'value="tie" id="choice-tie" checked' in response.text
    assert store.judgements() == []
    annotator.submit("rank-1", choice="left", rationale="ok then")
    annotator.next()
    annotator.next()  # rank-2 is next; do it, then the write task
    annotator.submit(annotator.current_task_id(), choice="tie", rationale="both fine")  # type: ignore[arg-type]
    assert annotator.current_task_id() == "write-1"
    empty = annotator.submit("write-1", answer="   ")
    assert empty.status_code == 400 and "The answer is empty" in empty.text


def test_the_same_task_is_never_handed_twice_to_one_annotator(tmp_path: Path) -> None:
    tasks = [{"id": f"t{i}", "kind": "rank", "prompt": f"p{i}", "responses": [f"a{i}", f"b{i}"]} for i in range(5)]
    store = make_store(tmp_path, tasks, overlap=2)
    annotators = [Annotating(store, store.add_annotator(f"fl-{i}", None)) for i in range(3)]
    seen: dict[int, list[str]] = {i: [] for i in range(3)}
    for _ in range(6):
        for number, annotator in enumerate(annotators):
            task_id = annotator.current_task_id()
            if task_id is None:
                continue
            assert annotator.next().text.count(f'action="/task/{task_id}"') == 1  # a reload shows the same open task
            seen[number].append(task_id)
            assert annotator.submit(task_id, choice="left", rationale="fine").status_code == 200
    for number, ids in seen.items():
        assert len(ids) == len(set(ids)), f"annotator {number} got a task twice: {ids}"
    assert sum(len(ids) for ids in seen.values()) == 10  # 5 tasks x overlap 2, then nothing is left
    assert all("Nothing left for you" in a.next().text for a in annotators)
    again = annotators[0].submit(seen[0][0], choice="right", rationale="change my mind")
    assert again.status_code == 409 and "already submitted" in again.text
    assert len(store.judgements()) == 10


def test_submissions_per_minute_are_bounded(store: Store) -> None:
    annotator = Annotating(store, store.add_annotator("fl-1", None), AppSettings(max_submissions_per_minute=2))
    assert annotator.submit(annotator.current_task_id(), choice="left", rationale="one").status_code == 200  # type: ignore[arg-type]
    assert annotator.submit(annotator.current_task_id(), choice="left", rationale="two").status_code == 200  # type: ignore[arg-type]
    task_id = annotator.current_task_id()
    limited = annotator.submit(task_id, answer="A careful answer.")  # type: ignore[arg-type]
    assert limited.status_code == 429 and "at most 2 submissions a minute" in limited.text
    assert "A careful answer." in limited.text  # nothing typed is lost
    assert len(store.judgements()) == 2


def test_errors_show_a_short_page_without_a_stack_trace(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    annotator = Annotating(store, store.add_annotator("fl-1", None))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database exploded at /secret/path")

    monkeypatch.setattr(Store, "judgements", broken)
    response = annotator.client.get("/mine")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text and "/secret/path" not in response.text
    assert annotator.client.get("/no-such-page").status_code == 404


def test_admin_page_shows_progress_agreement_and_study_results(tmp_path: Path) -> None:
    tasks = [
        {"id": "r1", "kind": "rank", "prompt": "p1", "responses": ["a", "b"]},
        {"id": "r2", "kind": "rank", "prompt": "p2", "responses": ["c", "d"]},
        {"id": "s1", "kind": "study", "prompt": "hi", "base": "hello", "tuned": "Hi! How can I help?",
         "meta": {"run": "demo/run-a"}},
    ]
    store = make_store(tmp_path, tasks, overlap=2)
    admin = Annotating(store, store.add_annotator("lead", "ops", is_admin=True))
    other = Annotating(store, store.add_annotator("fl-2", "design"))
    for person in (admin, other):
        while (task_id := person.current_task_id()) is not None:
            swapped = store.assignment(task_id=task_id, annotator_id="lead" if person is admin else "fl-2")[0].swapped  # type: ignore[index]
            first_side = "right" if swapped else "left"
            person.submit(task_id, choice=first_side, rationale="the first is better")
    page = admin.client.get("/admin").text
    assert "6 judgements done of 6 wanted" in page
    assert re.search(r"<td>rank</td><td class=\"num\">2</td><td class=\"num\">2</td>\s*<td class=\"num\">100.0 %", page)
    assert "demo/run-a" in page and "lead · ops" in page  # study: both preferred the base answer
    assert re.search(r'<tr class="overall"><td>overall</td><td class="num">2</td><td class="num">0</td><td class="num">2</td>', page)


def test_task_ids_with_url_characters_round_trip_through_the_form(tmp_path: Path) -> None:
    odd = "batch 2/q?a#1&x=é"
    store = make_store(tmp_path, [{"id": odd, "kind": "rank", "prompt": "p", "responses": ["a", "b"]}])
    annotator = Annotating(store, store.add_annotator("fl-1", None))
    action = annotator.current_task_id()
    assert action is not None and "?" not in action and "#" not in action  # encoded in the form's URL
    saved = annotator.submit(action, choice="left", rationale="fine")
    assert saved.status_code == 200 and f"Saved: {html.escape(odd)}" in saved.text
    assert [j.task_id for j in store.judgements()] == [odd]
