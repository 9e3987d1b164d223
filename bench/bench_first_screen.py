"""What the first screen shows (issue 14). Run: .venv/bin/python bench/bench_first_screen.py

On a copy of the twelve, with `refs check --offline --against` the article's printed
list (tests/fixtures/checks/), it opens the evidence report and `refs serve`'s sources
table in Debian's Chromium at 1280x800 and 390x844 and prints, per screen:
- report: the errors found, how many of them lie wholly on the first screen (target:
  all at 1280x800), the lowest error's bottom edge, and how many items of "What to fix"
  the first screen shows;
- Datasette /library/sources: the first row's top edge and how many rows begin on the
  first screen (target: at least one).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINTED = ROOT / "tests" / "fixtures" / "checks" / "article-reference-list.txt"
CHROMIUM = "/usr/bin/chromium"
SCREENS = ((1280, 800), (390, 844))


def refs(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import cli; cli.main()", "--root", str(root),
                           *args], cwd=ROOT, capture_output=True, text=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, "els => els.map(e => { const r = "
                                     "e.getBoundingClientRect(); return {top: r.top, "
                                     "bottom: r.bottom}; })")


def main() -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-first-screen-"))
    shutil.copytree(ROOT / "refs", work / "refs", ignore=shutil.ignore_patterns("*.json"))
    refs(work, "build")
    refs(work, "check", "--offline", "--against", str(PRINTED))
    found = json.loads(refs(work, "check", "--offline", "--against", str(PRINTED),
                            "--format", "json").stdout)
    errors = sum(f["severity"] == "error" for f in found)
    refs(work, "report", "-o", str(work / "report.html"))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "--root",
                               str(work), "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--headless"])
            print(f"printed-list check on: {errors} error(s) among {len(found)} findings")
            print(f"{'screen':<10} {'report: errors on screen':>25} {'lowest error bottom':>20} "
                  f"{'to-do items shown':>18} {'sources: first row top':>23} "
                  f"{'rows begun':>11}")
            for width, height in SCREENS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto((work / "report.html").as_uri())
                shown = boxes(page, "li.todo-item.s-error")
                whole = [b for b in shown if b["top"] >= 0 and b["bottom"] <= height]
                items = [b for b in boxes(page, "li.todo-item") if b["bottom"] <= height]
                lowest = max((b["bottom"] for b in shown), default=0)
                page.goto(f"http://127.0.0.1:{port}/library/sources")
                rows = boxes(page, "table.rows-and-columns tbody tr")
                begun = [b for b in rows if b["top"] < height]
                first = rows[0]["top"] if rows else float("nan")
                print(f"{width}x{height:<5} {len(whole):>17} of {len(shown):<5} "
                      f"{lowest:>17.0f} px {len(items):>18} {first:>20.0f} px {len(begun):>11}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
