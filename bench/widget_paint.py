"""The run widget's first paint in a real Chromium, for one or more builds of its front end.

A finished 20-task run (a ParallelFor of squares that print, and a join) is recorded by the
engine in this process; its widget state (`run`, `packed_tasks`, `batch`, `selected`: what a
notebook syncs; and `tasks`, `log_counts` for builds before the list was packed) and its log
tails (what the kernel sends when asked) go into a page served over HTTP from a temporary
folder, beside a copy of each build's `widget.js`, `widget.css` and
`chunks/`. The page stands in for anywidget: it creates the output element, imports `widget.js`
as the loader does, calls `render` with a model that answers `{"action": "logs"}` at once, and
notes, from the output's creation:

- first paint: the status badge and a log line are in the page, at the next animation frame;
- graph: the first task box of the graph is drawn (the layout engine loaded and ran).

Each load is a fresh browser context (empty cache). Two networks: `local` (the server on this
machine) and `remote` (Chromium's network emulation: 40 ms latency, 20 Mbit/s down, as a
server across the internet). Medians of `--runs` loads, alternating the builds.

Usage: python bench/widget_paint.py [--runs 9] [--static DIR ...] [--label NAME ...]
  --static: a built kfp_notebook/static folder (repeatable; default: this checkout's). To
  compare with another commit, build it (`jlpm build:prod`) and copy its kfp_notebook/static.
"""

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kfp import dsl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from pipelines import join, square  # noqa: E402

from kfp_notebook import RunState, Session  # noqa: E402
from kfp_notebook._notebook.display import show_run  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
NETWORKS: dict[str, dict[str, Any] | None] = {
    "local": None,
    "remote": {
        "offline": False,
        "latency": 40,
        "downloadThroughput": 20_000_000 / 8,
        "uploadThroughput": 5_000_000 / 8,
    },
}


@dsl.pipeline(name="twenty-squares")
def twenty_squares() -> int:
    with dsl.ParallelFor(list(range(20))) as x:
        sq = square(x=x)
    return join(xs=dsl.Collected(sq.output)).output


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="widget.css"></head>
<body><script type="module">
const data = await (await fetch("../data.json")).json();
const listeners = new Set();
const model = {
  get: (k) => data.state[k],
  set: (k, v) => { data.state[k] = v; },
  save_changes() {},
  on: (e, f) => { if (e === "msg:custom") listeners.add(f); },
  off: (e, f) => listeners.delete(f),
  send(content) {
    if (content.action !== "logs") return;
    const tails = {};
    for (const id of content.task_ids) if (data.tails[id]) tails[id] = data.tails[id];
    setTimeout(() => listeners.forEach((f) => f({ kind: "logs", tails, append: false })), 0);
  },
};
const el = document.createElement("div");
document.body.append(el);
const start = performance.now();  // the output is created; the loader imports the bundle
const marks = {};
const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
const seen = (name, test) => new Promise((done) => {
  const check = () => {
    if (marks[name] === undefined && test()) {
      marks[name] = -1;
      frame().then(() => { marks[name] = performance.now() - start; done(); });
    }
  };
  new MutationObserver(check).observe(el, { childList: true, subtree: true, characterData: true });
  check();
});
const painted = seen("first_paint", () => {
  const badge = el.querySelector(".kfpnb-badge");
  const logs = el.querySelector(".kfpnb-log-lines");
  return badge && badge.textContent && logs && logs.textContent.includes("squaring");
});
const graph = seen("graph", () => el.querySelector(".kfpnb-node") !== null);
const mod = await import("./widget.js");
marks.module = performance.now() - start;
mod.default.render({ model, el });
await Promise.all([painted, graph]);
window.result = marks;
</script></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _record_run(tmp: Path) -> dict[str, Any]:
    session = Session(pipeline_root=tmp / "root", raise_on_error=False)
    try:
        run = session.run(twenty_squares)
        assert run.status is RunState.SUCCEEDED, run.error
        widget = show_run(run.run_id, session)
        state = widget.get_state()
        state = {k: state[k] for k in ("run", "packed_tasks", "batch", "selected")}
        # and the list as builds before `packed_tasks` read it, to compare with them
        state.update(tasks=widget.tasks, log_counts=widget.log_counts)
        tails = widget.view.log_tails(list(widget.log_counts))
        widget.close()
    finally:
        session.close()
    return json.loads(json.dumps({"state": state, "tails": tails}, default=str))


def _sizes(static: Path) -> dict[str, tuple[int, int]]:
    """Bytes and gzipped bytes of what a notebook page loads: widget.js, its chunks, the CSS."""
    files = [static / "widget.js", static / "widget.css", *sorted(static.glob("chunks/*.js"))]
    return {
        str(f.relative_to(static)): (f.stat().st_size, len(gzip.compress(f.read_bytes())))
        for f in files
        if f.is_file()
    }


def _load(browser: Any, url: str, network: dict[str, Any] | None) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if network:
            cdp.send("Network.emulateNetworkConditions", network)
        page.goto(url)
        page.wait_for_function("() => window.result !== undefined", timeout=60_000)
        result: dict[str, float] = page.evaluate("window.result")
        return result
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--static", type=Path, action="append")
    parser.add_argument("--label", action="append")
    args = parser.parse_args()
    statics = args.static or [ROOT / "kfp_notebook" / "static"]
    labels = args.label or [str(s) for s in statics]
    assert len(labels) == len(statics), "one --label per --static"

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-widget-paint-") as tmp_name:
        tmp = Path(tmp_name)
        data = _record_run(tmp)
        site = tmp / "site"
        site.mkdir()
        (site / "data.json").write_text(json.dumps(data))
        for i, static in enumerate(statics):
            build = site / f"build{i}"
            build.mkdir()
            for name in ("widget.js", "widget.css"):
                shutil.copy(static / name, build / name)
            if (static / "chunks").is_dir():
                shutil.copytree(static / "chunks", build / "chunks")
            (build / "index.html").write_text(PAGE)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        print(f"a finished run of {len(data['state']['tasks'])} tasks; {args.runs} loads each")
        results: dict[tuple[str, int], list[dict[str, float]]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            for network_name, network in NETWORKS.items():
                for i in range(len(statics)):  # warm up: the first load pays Chromium's start
                    _load(browser, f"{base}/build{i}/index.html", network)
                for _ in range(args.runs):
                    for i in range(len(statics)):
                        url = f"{base}/build{i}/index.html"
                        results.setdefault((network_name, i), []).append(
                            _load(browser, url, network)
                        )
            browser.close()
        server.shutdown()

    for i, static in enumerate(statics):
        print(f"\n{labels[i]}:")
        for name, (size, zipped) in _sizes(static).items():
            print(f"  {name:32} {size / 1000:8.1f} KB  ({zipped / 1000:6.1f} KB gzipped)")
    for network_name in NETWORKS:
        print(f"\n{network_name} network, medians (ms from the output's creation):")
        print(f"  {'build':32} {'module':>8} {'first paint':>12} {'graph':>8}")
        for i in range(len(statics)):
            runs = results[(network_name, i)]
            row = [statistics.median(r[key] for r in runs) for key in ("module", "first_paint")]
            graph = statistics.median(r["graph"] for r in runs)
            print(f"  {labels[i]:32} {row[0]:8.0f} {row[1]:12.0f} {graph:8.0f}")


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-widget-paint-")
    main()
