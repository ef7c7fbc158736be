"""The annotation app in a real browser: Debian's headless Chromium driven by Selenium through
Debian's chromedriver (no browser download). Logs in, ranks two items, writes one answer, exports.

Set ANNOTATE_SCREENSHOT=docs/annotate.png to refresh the README's screenshot from this run.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.annotate_fixtures import TASKS, free_port, start_server, write_tasks
from toolkit.annotate.store import Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium and its driver are not installed (Debian: apt-get install -y chromium chromium-driver)",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a dev dependency: pip install -e '.[dev]'")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1100",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(10)
    try:
        yield driver
    finally:
        driver.quit()


def test_annotator_logs_in_ranks_two_items_writes_an_answer_and_exports(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    db = tmp_path / "annotations.sqlite"
    token = Store(db).add_annotator("fl-117", "ecommerce")
    port = free_port()
    server = start_server(db, port, tasks=write_tasks(tmp_path / "tasks.jsonl"))
    base = f"http://127.0.0.1:{port}"
    try:
        browser.get(f"{base}/task")  # not logged in: sent to the login page
        browser.find_element(By.ID, "token").send_keys(token)
        browser.find_element(By.ID, "login").click()

        # rank 1 (the prompt carries a <script> tag: shown as text, never run)
        assert "<script>alert('x')</script>" in browser.find_element(By.ID, "prompt").text
        left = browser.find_element(By.CSS_SELECTOR, "#answer-left pre").text
        prefer = "choice-left" if left.startswith("Hi Dana") else "choice-right"
        worse = "right" if prefer == "choice-left" else "left"
        browser.find_element(By.CSS_SELECTOR, f"#answer-{worse} summary").click()
        browser.find_element(By.CSS_SELECTOR, f'#answer-{worse} input[value="toxicity"]').click()
        browser.find_element(By.ID, prefer).click()
        browser.find_element(By.ID, "rationale").send_keys("Specific plan, stays on the platform.")
        screenshot = tmp_path / "annotate.png"
        browser.save_screenshot(str(screenshot))
        browser.find_element(By.ID, "submit").click()
        assert "Saved: rank-1" in browser.find_element(By.ID, "saved").text

        # rank 2: submitting without a choice shows the message, then the fixed form goes through
        browser.find_element(By.ID, "rationale").send_keys("Has the budget.")
        browser.find_element(By.ID, "submit").click()
        assert "Choose which answer is better" in browser.find_element(By.ID, "message").text
        left = browser.find_element(By.CSS_SELECTOR, "#answer-left pre").text
        browser.find_element(By.ID, "choice-left" if left.startswith("We need") else "choice-right").click()
        browser.find_element(By.ID, "submit").click()
        assert "Saved: rank-2" in browser.find_element(By.ID, "saved").text

        # write: the draft is in the box; replace it
        answer = browser.find_element(By.ID, "answer")
        answer.clear()
        answer.send_keys("Open Payments > Withdraw, pick your method; funds arrive in 2-5 business days.")
        browser.find_element(By.ID, "submit").click()
        assert "Every task that needs you is done" in browser.find_element(By.ID, "done").text
    finally:
        server.terminate()
        server.wait(timeout=30)

    out = tmp_path / "pairs.jsonl"
    # The rules tier only: the trained tiers' load time is the safety tests' business, not this one's.
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("name: annotate-test\nsafety:\n  classifiers: {rules: true, toxicity: false, semantic: false}\n")
    exported = subprocess.run(
        [sys.executable, "-m", "toolkit", "annotate", "export", "--db", str(db), "--out", str(out), "--recipe", str(recipe)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert exported.returncode == 0, exported.stderr[-2000:]
    pairs = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(p["id"] for p in pairs) == ["rank-1:fl-117:pair", "rank-2:fl-117:pair", "write-1:fl-117:pair"]
    by_id = {p["id"]: p for p in pairs}
    assert by_id["rank-1:fl-117:pair"]["chosen"] == TASKS[0]["responses"][0]
    assert by_id["rank-1:fl-117:pair"]["labels"]["harm_categories"] == ["toxicity"]
    assert by_id["rank-2:fl-117:pair"]["chosen"] == TASKS[1]["responses"][0]
    assert by_id["write-1:fl-117:pair"]["annotator"] == {"id": "fl-117", "expertise": "ecommerce"}
    sft = [json.loads(line) for line in out.with_name("pairs.sft.jsonl").read_text().splitlines()]
    assert sft[0]["messages"][-1]["content"].startswith("Open Payments > Withdraw")

    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", header[16:24])[0] > 0
    if os.environ.get("ANNOTATE_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["ANNOTATE_SCREENSHOT"])
