"""Listing a pipeline root of 10,000 runs: the sidebar's first page must come back under 200 ms.

Builds an index with N runs (3 tasks and 2 artifacts each) through the store's own schema, then
times the first page, a filtered page, a page deep in the list (keyset cursor) and the change
token (a) through the handlers' code path in this process and (b) over HTTP against a real
`jupyter server` subprocess with the extension enabled. Prints milliseconds (median of 20).
Usage: python bench/store_listing.py [--runs 10000] [--no-http]
"""

import argparse
import json
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serve import serve  # noqa: E402

from kfp_notebook._store.layout import INDEX_NAME  # noqa: E402
from kfp_notebook._store.reader import StoreReader  # noqa: E402
from kfp_notebook._store.schema import SCHEMA  # noqa: E402
from kfp_notebook._views.shape import run_json  # noqa: E402

STATES = ["SUCCEEDED"] * 7 + ["FAILED", "CANCELLED", "INTERRUPTED"]
TASK_STATE = {s: s for s in STATES} | {"INTERRUPTED": "CANCELLED"}
TARGET_MS = 200.0


def build(root: Path, n: int) -> None:
    """N finished runs of 5 pipelines, one second apart, in a single transaction."""
    root.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(root / INDEX_NAME, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    start = time.time() - n
    for i in range(n):
        run_id = f"pipe-{i % 5}-{i:06d}-{secrets.token_hex(2)}"
        created = start + i
        status = STATES[i % len(STATES)]
        db.execute(
            "INSERT INTO runs (run_id, pipeline_name, status, created, finished, arguments,"
            " outputs, task_counts) VALUES (?,?,?,?,?,?,?,?)",
            (
                run_id,
                f"pipe-{i % 5}",
                status,
                created,
                created + 0.5,
                json.dumps({"n": i}),
                "{}",
                json.dumps({status: 3}),
            ),
        )
        for t in ("load", "train", "report"):
            db.execute(
                "INSERT INTO tasks (run_id, task_id, name, kind, status, started, finished)"
                " VALUES (?,?,?,?,?,?,?)",
                (run_id, t, t, "container", TASK_STATE[status], created, created + 0.1),
            )
        for a in ("data", "model"):
            uri = str(root / run_id / "train" / a)
            db.execute(
                "INSERT INTO artifacts VALUES (?,?,?,?,?,?)",
                (run_id, "train", a, uri, "system.Dataset", "{}"),
            )
    db.execute("COMMIT")
    db.close()


def median_ms(fn: Callable[[], object], repeat: int = 20) -> float:
    times: List[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def in_process(root: Path) -> None:
    """What RunsHandler.get does per request: open a reader, count, page, serialize, close."""

    def page(**kw: object) -> str:
        with StoreReader(root) as reader:
            token = reader.change_token()
            p = reader.page_runs(50, **kw)  # type: ignore[arg-type]
            return json.dumps(
                {
                    "runs": [run_json(r, root) for r in p.runs],
                    "total": p.total,
                    "next_cursor": p.next_cursor,
                    "token": token,
                }
            )

    first = json.loads(page())
    cursor = None
    with StoreReader(root) as reader:
        for _ in range(190):  # walk to run ~9,500 once, to time the page found there
            cursor = reader.page_runs(50, cursor).next_cursor
    deep_cursor = cursor
    print(
        f"  in process: first page {median_ms(page):7.2f} ms"
        f" (total {first['total']}, {len(first['runs'])} runs)"
    )
    print(f"  in process: status=FAILED {median_ms(lambda: page(statuses=['FAILED'])):7.2f} ms")
    print(
        f"  in process: pipeline=pipe-3 {median_ms(lambda: page(pipeline_name='pipe-3')):7.2f} ms"
    )
    print(f"  in process: page at run 9,500 {median_ms(lambda: page(cursor=deep_cursor)):7.2f} ms")


def over_http(root: Path, work: Path) -> float:
    with serve([root], work) as get:
        rid = json.loads(get("/roots"))["roots"][0]["id"]
        cold_start = time.perf_counter()
        first = json.loads(get(f"/roots/{rid}/runs?limit=50"))
        cold = (time.perf_counter() - cold_start) * 1000
        assert first["total"] > 0 and len(first["runs"]) == 50
        warm = median_ms(lambda: get(f"/roots/{rid}/runs?limit=50"))
        failed = median_ms(lambda: get(f"/roots/{rid}/runs?limit=50&status=FAILED"))
        tok = median_ms(lambda: get(f"/roots/{rid}/token"))
        detail = median_ms(lambda: get(f"/roots/{rid}/runs/{first['runs'][0]['run_id']}"))
        print(f"  over HTTP: first page, first request {cold:7.2f} ms")
        print(
            f"  over HTTP: first page {warm:7.2f} ms, status=FAILED {failed:7.2f} ms,"
            f" token {tok:6.2f} ms, one run {detail:6.2f} ms"
        )
        return max(cold, warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as tmp:
        work = Path(tmp)
        if os.environ.get("BENCH_KEEP"):
            work = Path(tempfile.mkdtemp(prefix="bench-listing-kept-"))
        root = work / "root"
        start = time.perf_counter()
        build(root, args.runs)
        print(f"built an index of {args.runs:,} runs in {time.perf_counter() - start:.1f} s")
        in_process(root)
        if not args.no_http:
            worst = over_http(root, work)
            verdict = "OK" if worst < TARGET_MS else "OVER"
            print(f"  first page over HTTP: {worst:.1f} ms vs target {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-store-listing-")
    main()
