import { describe, expect, it } from "vitest";

import { COLLAPSE_AT, PAGE_SIZE, visibleTasks, type LoopView } from "./collapse";
import { task } from "./fixtures.test-util";
import { layoutTasks } from "./layout";
import { loopShapes } from "./loopnode";
import { orderIterations as ordered, type TaskJSON, type TaskState } from "@kfp-notebook/shared";

/** A run of `n` iterations of loop/train and a join; iteration i is in `state(i)`. */
function sweep(n: number, state: (i: number) => TaskState): TaskJSON[] {
  const tasks = [task("loop", "loop", "RUNNING")];
  for (let i = 0; i < n; i++) {
    const status = state(i);
    tasks.push(
      task(`loop[${i}]`, "iteration", status, {
        parent_id: "loop",
        started: 100,
        finished: status === "RUNNING" ? null : 100 + (i % 7),
      }),
      task(`loop[${i}]/train`, "container", status),
    );
  }
  tasks.push(task("join", "container", "PENDING", { dependencies: ["loop"] }));
  return tasks;
}

const states = (i: number): TaskState =>
  i % 100 === 3 ? "FAILED" : i < 400 ? "SUCCEEDED" : i < 404 ? "RUNNING" : "PENDING";

describe("visibleTasks", () => {
  it("leaves a small loop as it is", () => {
    const tasks = sweep(COLLAPSE_AT, () => "SUCCEEDED");
    const shown = visibleTasks(tasks, new Map(), 200);
    expect(shown.tasks).toBe(tasks);
    expect(shown.loops.size).toBe(0);
  });

  it("draws a large loop as one node with its iterations by state", () => {
    const shown = visibleTasks(sweep(1000, states), new Map(), 200);
    expect(shown.tasks.map((t) => t.task_id)).toEqual(["loop", "join"]);
    const loop = shown.loops.get("loop");
    expect(loop).toMatchObject({ total: 1000, failed: 10, running: 3, open: false, pages: 100 });
    expect(loop && loop.done + loop.running + loop.failed + loop.pending).toBe(1000);
  });

  it("counts a started iteration whose tasks wait for a worker as pending", () => {
    const tasks = sweep(100, (i) => (i < 2 ? "RUNNING" : "SUCCEEDED"));
    for (const t of tasks) {
      if (t.kind === "iteration" && t.status === "SUCCEEDED" && t.task_id >= "loop[5") {
        t.status = "RUNNING"; // started, its task not yet given a worker
        const inner = tasks.find((x) => x.task_id === `${t.task_id}/train`);
        if (inner) inner.status = "PENDING";
      }
    }
    const loop = visibleTasks(tasks, new Map(), 200).loops.get("loop");
    expect(loop).toMatchObject({ total: 100, running: 2 });
    expect(loop?.pending).toBeGreaterThan(0);
    expect(loop && loop.done + loop.running + loop.failed + loop.pending).toBe(100);
  });

  it("opens onto one page of iterations with their tasks, failed first", () => {
    const views = new Map<string, LoopView>([["loop", { open: true, page: 0, order: "failed" }]]);
    const shown = visibleTasks(sweep(1000, states), views, 200);
    const iterations = shown.tasks.filter((t) => t.kind === "iteration");
    expect(iterations).toHaveLength(PAGE_SIZE);
    expect(iterations.map((t) => t.status)).toEqual(Array(PAGE_SIZE).fill("FAILED"));
    const trains = shown.tasks.filter((t) => t.name === "train").map((t) => t.parent_id);
    expect(trains).toEqual(iterations.map((t) => t.task_id));
    const last = new Map<string, LoopView>([["loop", { open: true, page: 99, order: "index" }]]);
    const tail = visibleTasks(sweep(1000, states), last, 200).tasks;
    expect(tail.filter((t) => t.kind === "iteration").slice(-1)[0]?.task_id).toBe("loop[999]");
  });

  it("orders iterations slowest first, a running one by its time so far", () => {
    const its = [
      task("l[0]", "iteration", "SUCCEEDED", { started: 0, finished: 5 }),
      task("l[1]", "iteration", "RUNNING", { started: 0, finished: null }),
      task("l[2]", "iteration", "PENDING"),
    ];
    expect(ordered(its, "slowest", 9).map((t) => t.task_id)).toEqual(["l[1]", "l[0]", "l[2]"]);
  });

  it("hides the tasks of a closed loop nested in an iteration", () => {
    const tasks = sweep(20, () => "SUCCEEDED");
    for (let j = 0; j < 20; j++) {
      tasks.push(
        task(`loop[0]/inner[${j}]`, "iteration", "SUCCEEDED", { parent_id: "loop[0]/inner" }),
      );
      tasks.push(task(`loop[0]/inner[${j}]/x`, "container", "SUCCEEDED"));
    }
    tasks.push(task("loop[0]/inner", "loop", "SUCCEEDED"));
    const views = new Map<string, LoopView>([["loop", { open: true, page: 0, order: "index" }]]);
    const ids = visibleTasks(tasks, views, 0).tasks.map((t) => t.task_id);
    expect(ids).toContain("loop[0]/inner");
    expect(ids.some((id) => id.startsWith("loop[0]/inner["))).toBe(false);
  });

  it("lays out a 1,000-iteration loop as a handful of nodes", async () => {
    const shown = visibleTasks(sweep(1000, states), new Map(), 200);
    const layout = await layoutTasks(shown.tasks, loopShapes(shown.loops));
    expect([...layout.boxes.keys()]).toEqual(["loop", "join"]);
    expect(layout.boxes.get("loop")?.width).toBeGreaterThan(200);
  });
});
