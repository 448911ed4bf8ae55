import { describe, expect, it } from "vitest";

import { orderIterations as ordered, type TaskJSON } from "@kfp-notebook/shared";

import {
  COLLAPSE_AT,
  countsText,
  loopControls,
  loopCounts,
  LoopViews,
  markLoop,
  PAGE,
  runsInside,
  showMore,
} from "./loops";

type Status = TaskJSON["status"];

function iteration(i: number, status: Status, started: number | null, finished: number | null) {
  return {
    task_id: `for-loop-2[${i}]`,
    name: `for-loop-2[${i}]`,
    parent_id: "for-loop-2",
    kind: "iteration",
    component: "",
    dependencies: [],
    status,
    started,
    finished,
    duration: null,
    attempts: 1,
    inputs: {},
    outputs: {},
    message: "",
    cache_key: null,
    artifacts: [],
  } satisfies TaskJSON;
}

/** `n` iterations that took i % 7 seconds each, all done. */
const done = (n: number) =>
  Array.from({ length: n }, (_, i) => iteration(i, "SUCCEEDED", 100, 100 + (i % 7)));
const ids = (tasks: TaskJSON[]) => tasks.map((t) => t.task_id);
const never = () => false;

describe("loopCounts", () => {
  it("counts done, failed, running (a task of it runs) and pending iterations", () => {
    const its = [
      iteration(0, "SUCCEEDED", 1, 2),
      iteration(1, "CACHED", 1, 1),
      iteration(2, "SKIPPED", null, null),
      iteration(3, "FAILED", 1, 3),
      iteration(4, "CANCELLED", 1, 3),
      iteration(5, "RUNNING", 1, null), // its task runs
      iteration(6, "RUNNING", 1, null), // its tasks wait for a worker: pending
      iteration(7, "PENDING", null, null),
    ];
    const busy = (t: TaskJSON) => t.task_id === "for-loop-2[5]";
    expect(loopCounts(its, busy)).toEqual({
      total: 8,
      done: 3,
      failed: 2,
      running: 1,
      pending: 2,
    });
  });

  it("finds a running task under an iteration, through a condition", () => {
    const task = (id: string, kind: TaskJSON["kind"], status: Status) => ({
      ...iteration(0, status, 1, null),
      task_id: id,
      kind,
    });
    const [a, b] = [iteration(0, "RUNNING", 1, null), iteration(1, "RUNNING", 1, null)];
    const children = new Map<string | null, TaskJSON[]>([
      [a.task_id, [task("a/condition-3", "condition", "RUNNING")]],
      ["a/condition-3", [task("a/condition-3/train", "container", "RUNNING")]],
      [b.task_id, [task("b/train", "container", "PENDING")]], // waits for a worker
    ]);
    const busy = runsInside(children);
    expect([busy(a), busy(b)]).toEqual([true, false]);
  });

  it("says the counts as the loop's row shows them, with thousands separated", () => {
    expect(countsText({ total: 1000, done: 812, running: 2, failed: 3, pending: 183 })).toBe(
      "812 of 1,000 done · 2 running · 3 failed",
    );
    expect(countsText({ total: 200, done: 200, running: 0, failed: 0, pending: 0 })).toBe(
      "200 of 200 done",
    );
    expect(countsText({ total: 20, done: 5, running: 0, failed: 1, pending: 14 })).toBe(
      "5 of 20 done · 1 failed",
    );
  });
});

describe("ordered", () => {
  const its = [
    iteration(10, "SUCCEEDED", 0, 2),
    iteration(2, "FAILED", 0, 1),
    iteration(1, "SUCCEEDED", 0, 9),
    iteration(3, "RUNNING", 0, null), // 5 s so far at now=5
    iteration(4, "PENDING", null, null),
    iteration(0, "CANCELLED", 0, 3),
  ];

  it("keeps run order by the iteration's index (2 before 10)", () => {
    expect(ids(ordered(its, "index", 5))).toEqual(
      [0, 1, 2, 3, 4, 10].map((i) => `for-loop-2[${i}]`),
    );
  });

  it("puts failed ones first, then running ones, each in run order", () => {
    expect(ids(ordered(its, "failed", 5))).toEqual(
      [0, 2, 3, 1, 4, 10].map((i) => `for-loop-2[${i}]`),
    );
  });

  it("puts the slowest first, a running one by its time so far, one never started last", () => {
    expect(ids(ordered(its, "slowest", 5))).toEqual(
      [1, 3, 0, 10, 2, 4].map((i) => `for-loop-2[${i}]`),
    );
  });

  it("does not reorder its input", () => {
    const copy = [...its];
    ordered(its, "slowest", 5);
    expect(its).toEqual(copy);
  });
});

describe("LoopViews", () => {
  it("leaves a loop of a few iterations alone", () => {
    expect(new LoopViews().page("k", done(COLLAPSE_AT), never, 0)).toBeNull();
    expect(new LoopViews().page("k", [], never, 0)).toBeNull();
    expect(new LoopViews().page("k", done(COLLAPSE_AT + 1), never, 0)).not.toBeNull();
  });

  it("shows a page of iterations, then a page more at each 'show more'", () => {
    const views = new LoopViews();
    const its = done(45);
    const first = views.page("k", its, never, 0);
    expect(first?.counts).toEqual({ total: 45, done: 45, running: 0, failed: 0, pending: 0 });
    expect(ids(first?.iterations ?? [])).toEqual(ids(its.slice(0, PAGE)));
    views.more("k");
    expect(views.page("k", its, never, 0)?.iterations).toHaveLength(2 * PAGE);
    views.more("k");
    expect(views.page("k", its, never, 0)?.iterations).toHaveLength(45);
    expect(views.page("other", its, never, 0)?.iterations).toHaveLength(PAGE); // per loop
  });

  it("orders the whole loop before paging, and a new order starts at the first page", () => {
    const views = new LoopViews();
    const its = done(200);
    its[150] = iteration(150, "FAILED", 100, 101);
    views.more("k");
    views.order("k", "failed");
    const page = views.page("k", its, never, 0);
    expect(page?.view).toEqual({ shown: PAGE, order: "failed" });
    expect(page?.iterations[0]?.task_id).toBe("for-loop-2[150]");
    expect(page?.iterations[1]?.task_id).toBe("for-loop-2[0]");
    views.order("k", "slowest");
    const slowest = views.page("k", its, never, 0)?.iterations ?? [];
    expect(slowest.every((t) => (t.finished ?? 0) - (t.started ?? 0) === 6)).toBe(true);
  });
});

describe("loop rows", () => {
  const views = new LoopViews();
  const its = done(30);
  its[3] = iteration(3, "FAILED", 1, 2);
  const loop = views.page("k", its, never, 0);
  if (!loop) throw new Error("a large loop");

  it("marks the loop's row with a bar of its states and the counts", () => {
    const row = document.createElement("div");
    markLoop(row, loop.counts);
    expect(row.classList.contains("kfpsb-loop-large")).toBe(true);
    expect(row.querySelector(".kfpsb-loop-counts")?.textContent).toBe("29 of 30 done · 1 failed");
    const parts = [...row.querySelectorAll<HTMLElement>(".kfpsb-loop-part")];
    expect(parts.map((p) => p.style.flexGrow)).toEqual(["29", "0", "1", "0"]);
    expect(parts[2]?.style.minWidth).toBe("2px"); // one failed of many still shows
  });

  it("offers the order and says how many are shown, and how many more to show", () => {
    const picked: string[] = [];
    const head = loopControls(document.createElement("div"), loop, (o) => picked.push(o));
    const select = head.querySelector("select") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "run order",
      "failed first",
      "slowest first",
    ]);
    select.value = "failed";
    select.dispatchEvent(new Event("change"));
    expect(picked).toEqual(["failed"]);
    expect(head.textContent).toContain("20 of 30 shown");
    let more = 0;
    const row = showMore(document.createElement("div"), loop, () => more++);
    expect(row.textContent).toContain("Show 10 more");
    row.click();
    expect(more).toBe(1);
  });
});
