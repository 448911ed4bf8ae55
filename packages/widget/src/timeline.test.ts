import { describe, expect, it } from "vitest";

import type { TaskJSON, TaskState } from "@kfp-notebook/shared";

import { task } from "./fixtures.test-util";
import { AGGREGATE_AT, PROFILE_SLICES, Timeline, ticks, timelineBars } from "./timeline";

const T0 = 1_000;

/** A loop of `n` iterations of loop[i]/train (iteration i in `state(i)`), then a join. */
function sweep(n: number, state: (i: number) => TaskState): TaskJSON[] {
  const tasks = [task("prep", "container", "SUCCEEDED", { started: T0 + 1, finished: T0 + 2 })];
  tasks.push(task("loop", "loop", "RUNNING"));
  for (let i = 0; i < n; i++) {
    const status = state(i);
    const started = status === "PENDING" ? null : T0 + 2 + i;
    const finished = status === "RUNNING" || started === null ? null : started + 1;
    tasks.push(
      task(`loop[${i}]`, "iteration", status, { parent_id: "loop", started, finished }),
      task(`loop[${i}]/train`, "container", status, { started, finished }),
    );
  }
  tasks.push(task("join", "container", "PENDING", { dependencies: ["loop"] }));
  return tasks;
}

describe("timelineBars", () => {
  it("draws leaf tasks only, earliest start first, in seconds after the run's start", () => {
    const tasks = [
      task("report", "container", "SUCCEEDED", { started: T0 + 5, finished: T0 + 9 }),
      task("sub", "dag", "SUCCEEDED", { started: T0 + 1, finished: T0 + 9 }),
      task("sub/fetch", "importer", "SUCCEEDED", { started: T0 + 1, finished: T0 + 2 }),
      task("sub/train", "container", "SUCCEEDED", { started: T0 + 2, finished: T0 + 5 }),
    ];
    const bars = timelineBars(tasks, T0, T0 + 10, "sub/train");
    expect(bars.map((b) => [b.key, b.start, b.end])).toEqual([
      ["sub/fetch", 1, 2],
      ["sub/train", 2, 5],
      ["report", 5, 9],
    ]);
    expect(bars.map((b) => b.selected)).toEqual([false, true, false]);
    expect(bars[1]?.select).toBe("sub/train");
  });

  it("grows a running task to now", () => {
    const tasks = [task("train", "container", "RUNNING", { started: T0 + 3 })];
    const [bar] = timelineBars(tasks, T0, T0 + 7.5);
    expect(bar).toMatchObject({ start: 3, end: 7.5, running: true, status: "RUNNING" });
  });

  it("marks a cached task at the moment it was settled, taking no time", () => {
    const tasks = [task("fetch", "container", "CACHED", { finished: T0 + 0.5 })];
    const [bar] = timelineBars(tasks, T0, T0 + 3);
    expect(bar).toMatchObject({ start: 0.5, end: 0.5, cached: true });
    const view = new Timeline(() => undefined);
    view.update(tasks, "", T0, T0 + 3);
    expect(view.el.querySelector(".kfpnb-tl-time")?.textContent).toBe("cached");
    expect(view.el.querySelector(".kfpnb-tl-bar")?.classList).toContain("kfpnb-tl-cached");
  });

  it("puts tasks that never started last, without times", () => {
    const tasks = [
      task("later", "container", "PENDING"),
      task("skipped", "container", "SKIPPED"),
      task("first", "container", "SUCCEEDED", { started: T0 + 2, finished: T0 + 4 }),
      task("queued", "container", "RUNNING"), // waiting for a worker
    ];
    const bars = timelineBars(tasks, T0, T0 + 5);
    expect(bars.map((b) => b.key)).toEqual(["first", "later", "queued", "skipped"]);
    expect(bars.slice(1).every((b) => b.start === null && b.end === null && !b.running)).toBe(true);
  });

  it("keeps one row per iteration of a small loop", () => {
    const bars = timelineBars(
      sweep(AGGREGATE_AT, () => "SUCCEEDED"),
      T0,
      T0 + 100,
    );
    expect(bars).toHaveLength(AGGREGATE_AT + 2);
    expect(bars[1]?.key).toBe("loop[0]/train");
    expect(bars.some((b) => b.counts)).toBe(false);
  });

  it("aggregates a large loop's task into one band with counts", () => {
    const state = (i: number): TaskState =>
      i === 7 ? "FAILED" : i < 900 ? "SUCCEEDED" : i < 902 ? "RUNNING" : "PENDING";
    const now = T0 + 950;
    const bars = timelineBars(sweep(1000, state), T0, now, "loop[5]/train");
    expect(bars.map((b) => b.key)).toEqual(["prep", "loop[*]/train", "join"]);
    const band = bars[1];
    expect(band).toMatchObject({
      label: "loop[*]/train ×1000",
      status: "FAILED",
      start: 2,
      end: 950, // a running iteration grows to now
      running: true,
      selected: true,
      select: "loop[7]/train", // the failed one
      counts: { total: 1000, done: 899, running: 2, failed: 1 },
    });
  });

  it("aggregates a nested loop under its large outer loop", () => {
    const tasks: TaskJSON[] = [task("outer", "loop", "SUCCEEDED")];
    for (let i = 0; i < 30; i++) {
      tasks.push(task(`outer[${i}]`, "iteration", "SUCCEEDED", { parent_id: "outer" }));
      for (let j = 0; j < 2; j++) {
        const id = `outer[${i}]/inner[${j}]/fit`;
        tasks.push(task(id, "container", "SUCCEEDED", { started: T0 + i, finished: T0 + i + j }));
      }
    }
    const bars = timelineBars(tasks, T0, T0 + 40);
    expect(bars.map((b) => [b.key, b.counts?.total, b.start, b.end, b.status])).toEqual([
      ["outer[*]/inner[*]/fit", 60, 0, 30, "SUCCEEDED"],
    ]);
    expect(bars[0]?.select).toBe("outer[0]/inner[1]/fit"); // the slowest
  });
});

describe("a band's concurrency", () => {
  it("says how many iterations ran at once, and where", () => {
    // 2 workers: iterations 2k and 2k+1 run from 2k to 2k+2 seconds; another task, its own row
    const tasks: TaskJSON[] = [task("loop", "loop", "SUCCEEDED")];
    for (let i = 0; i < 30; i++) {
      const at = { started: T0 + 2 * Math.floor(i / 2), finished: T0 + 2 * Math.floor(i / 2) + 2 };
      tasks.push(task(`loop[${i}]`, "iteration", "SUCCEEDED", { parent_id: "loop", ...at }));
      tasks.push(task(`loop[${i}]/fit`, "container", "SUCCEEDED", at));
    }
    tasks.push(task("loop[29]/late", "container", "SUCCEEDED", { started: T0, finished: T0 + 40 }));
    const [fit] = timelineBars(tasks, T0, T0 + 40).filter((b) => b.key === "loop[*]/fit");
    expect(fit?.counts?.peak).toBe(2); // an end and a start at the same time do not overlap
    expect(fit?.profile).toHaveLength(PROFILE_SLICES);
    expect(new Set(fit?.profile?.map((n) => Math.round(n * 1e6) / 1e6))).toEqual(new Set([2]));
  });
});

describe("ticks", () => {
  it("steps round seconds a few times across the span", () => {
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(95)).toEqual([0, 30, 60, 90]);
    expect(ticks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe("Timeline", () => {
  it("keeps its rows on a status update and selects a task on a click", () => {
    const picked: string[] = [];
    const view = new Timeline((id) => picked.push(id));
    const tasks = sweep(3, () => "RUNNING");
    view.update(tasks, "", T0, T0 + 4);
    const rows = [...view.el.querySelectorAll(".kfpnb-tl-row")];
    expect(rows.map((r) => r.getAttribute("data-key"))).toEqual([
      "prep", "loop[0]/train", "loop[1]/train", "loop[2]/train", "join",
    ]); // prettier-ignore
    const bar = rows[1]?.querySelector<HTMLElement>(".kfpnb-tl-bar");
    expect(bar?.style.left).toBe("50%"); // 2 s of 4: the span is the run's so far
    view.update(tasks, "loop[1]/train", T0, T0 + 6);
    expect(view.el.querySelectorAll(".kfpnb-tl-row")[1]).toBe(rows[1]);
    expect(rows[2]?.classList.contains("selected")).toBe(true);
    expect(rows[4]?.querySelector<HTMLElement>(".kfpnb-tl-bar")?.hidden).toBe(true);
    expect([...view.el.querySelectorAll(".kfpnb-tl-time")].map((t) => t.textContent)).toEqual([
      "1.0 s", "4.0 s", "3.0 s", "2.0 s", "pending",
    ]); // prettier-ignore
    (rows[3]?.querySelector(".kfpnb-tl-bar") as HTMLElement).click();
    rows[0]?.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(picked).toEqual(["loop[2]/train", "prep"]);
  });

  it("recounts a band whose loop grows while its row stays", () => {
    const view = new Timeline(() => undefined);
    view.update(
      sweep(30, () => "RUNNING"),
      "",
      T0,
      T0 + 40,
    );
    const row = view.el.querySelector("[data-band]");
    view.update(
      sweep(50, () => "SUCCEEDED"),
      "",
      T0,
      T0 + 60,
    );
    expect(view.el.querySelector("[data-band]")).toBe(row);
    expect(row?.querySelector(".kfpnb-tl-label")?.textContent).toBe("loop[*]/train ×50");
    expect(row?.querySelector(".kfpnb-tl-time")?.textContent).toMatch(/^50 of 50 done/);
  });

  it("says when there is no task yet", () => {
    const view = new Timeline(() => undefined);
    view.update([], "", T0, T0 + 1);
    expect(view.el.querySelector(".kfpnb-tl-rows")?.childElementCount).toBe(0); // CSS says it
  });

  it("stays small at 1,000 iterations", () => {
    const view = new Timeline(() => undefined);
    view.update(
      sweep(1000, () => "SUCCEEDED"),
      "",
      T0,
      T0 + 1100,
    );
    expect(view.el.querySelectorAll(".kfpnb-tl-row")).toHaveLength(3);
    expect(view.el.querySelectorAll("*").length).toBeLessThan(60);
    expect(view.el.querySelector("[data-band] .kfpnb-tl-time")?.textContent).toBe(
      "1000 of 1000 done · ≤1 at once · 16m 40s",
    );
  });
});
