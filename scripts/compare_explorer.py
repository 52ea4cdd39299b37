"""Renders the explorer's pages twice in Chromium over one stack, once with the explorer of a git revision (its
api/web/ files served in place of the working tree's) and once with the working tree's, and compares each page's
rendered DOM (the header, <main> and the footer as HTML) byte for byte, after removing the sections added on
purpose (--strip, CSS selectors; an element in a <dd> takes its <dt> with it). The proof that a change to the
explorer left every other part of every page as it was.

    python scripts/compare_explorer.py                       # against main, stripping issue 21's finance sections
    python scripts/compare_explorer.py --base a1334f1 --strip '#finance-remarks' --strip '#pi-basis'

The stack is a private anvil with the tests' explorer world (tests/explorer_world.py) and finance world
(tests/finance_world.py); the pages are its search, asset (overview, history, lineage, at a block), party,
verify, certificate, recognised registries, trades and status pages, in English and Chinese. Exit status 1
if any page differs.
"""
from __future__ import annotations

import argparse
import difflib
import mimetypes
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

#: issue 21: the finance remarks, the accounting records, the personal-information basis's row, the parties only
#: finance records name, and the finance events' rows of the history (read by their own rules).
FINANCE_SECTIONS = ["#finance-remarks", "#accounting-records", "#pi-basis", "li[data-finance-party]",
                    "tr[data-event=AccountingRecorded]", "tr[data-event^=FinanceRemark]"]

_STRIP = """(selectors) => {
  for (const selector of selectors) {
    for (const e of document.querySelectorAll(selector)) {
      const dd = e.closest("dd");
      if (dd) { if (dd.previousElementSibling) dd.previousElementSibling.remove(); dd.remove(); } else e.remove();
    }
  }
}"""
_DOM = """() => ["site-header", "main", "site-footer"].map((id) => document.getElementById(id).outerHTML
  .replace(/ data-rendered="\\d+"/, "")).join("\\n")"""


def pages(explorer, finance) -> dict[str, str]:
    return {
        "home": "/", "search": "/search?q=交通", "status": "/status", "verify": "/verify",
        "recognitions": "/recognitions", "trades": "/trades",
        "asset": f"/assets/{explorer.source}", "asset-at": f"/assets/{explorer.source}?at=5",
        "history": f"/assets/{explorer.source}/history", "lineage": f"/assets/{explorer.source}/lineage",
        "derived": f"/assets/{explorer.derived}", "party": f"/parties/{explorer.bob}",
        "exchange": f"/parties/{explorer.exchange_a}", "certificate": f"/verify/{explorer.certificate}",
        "finance-asset": f"/assets/{finance.asset}", "finance-flagged": f"/assets/{finance.flagged}",
        "finance-plain": f"/assets/{finance.plain}", "finance-history": f"/assets/{finance.asset}/history",
    }


def base_files(revision: str) -> dict[str, bytes]:
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{revision}:api/web"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    return {name: subprocess.run(["git", "show", f"{revision}:api/web/{name}"], cwd=ROOT, check=True,
                                 capture_output=True).stdout for name in names}


def render(browser, base_url: str, path: str, lang: str, strip: list[str], files: dict[str, bytes] | None) -> str:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=base_url, locale="en-US",
                                  timezone_id="UTC")
    context.add_init_script(f"localStorage.setItem('datareg.lang', '{lang}')")
    if files is not None:
        def serve(route):
            name = route.request.url.split("/static/", 1)[1].split("?")[0]
            if name not in files:
                return route.fulfill(status=404)
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return route.fulfill(status=200, body=files[name], content_type=kind, headers={"Cache-Control": "no-store"})
        context.route("**/static/**", serve)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    page.wait_for_selector("html[data-ready=true] main[aria-busy=false]", state="attached")
    if path == "/status":  # the page refreshes itself every 5 s: stop at the first render
        page.evaluate("() => { for (let i = 0; i < 10000; i++) clearInterval(i); }")
    page.evaluate(_STRIP, strip)
    dom = str(page.evaluate(_DOM))
    context.close()
    if errors:
        raise SystemExit(f"{path} ({lang}): uncaught errors {errors}")
    return dom


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="main", help="the git revision whose explorer is the reference")
    parser.add_argument("--strip", action="append", help="CSS selector of a part added on purpose (repeatable); "
                        f"default: {' '.join(FINANCE_SECTIONS)}")
    args = parser.parse_args()
    strip = args.strip or FINANCE_SECTIONS
    files = base_files(args.base)

    from conftest import running_stack
    from explorer_world import build_world
    from finance_world import build_finance_world
    from playwright.sync_api import sync_playwright

    from registry.devchain import free_port, start_anvil, stop

    port = free_port()
    anvil = start_anvil(port)
    differences = 0
    try:
        with tempfile.TemporaryDirectory() as tmp, running_stack(f"http://127.0.0.1:{port}", Path(tmp)) as stack:
            explorer = build_world(stack, Path(tmp) / "files")
            finance = build_finance_world(stack, Path(tmp))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
                for name, path in pages(explorer, finance).items():
                    for lang in ("en", "zh"):
                        before = render(browser, stack.api_url, path, lang, strip, files)
                        after = render(browser, stack.api_url, path, lang, strip, None)
                        same = before == after
                        print(f"{'same' if same else 'DIFFERENT':9} {name:16} {lang}  {len(after):7} bytes  {path}")
                        if not same:
                            differences += 1
                            sys.stdout.writelines(difflib.unified_diff(
                                before.replace("><", ">\n<").splitlines(keepends=True),
                                after.replace("><", ">\n<").splitlines(keepends=True), args.base, "working tree",
                                n=1))
                browser.close()
    finally:
        stop(anvil)
    print(f"{differences} page(s) differ" if differences else "every page is the same")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
