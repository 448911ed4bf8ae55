import { describe, expect, it } from "vitest";

import { task } from "./fixtures.test-util";
import { elkGraph, layoutTasks, type Box } from "./layout";

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const TASKS = [
  task("make-data", "container", "SUCCEEDED"),
  task("check", "condition", "RUNNING", { dependencies: ["make-data"] }),
  task("check/train", "container", "RUNNING"),
  task("check/report", "container", "PENDING", { dependencies: ["check/train"] }),
  task("loop", "loop", "PENDING", { dependencies: ["make-data"] }),
  task("summary", "container", "PENDING", { dependencies: ["check", "loop"] }),
];

describe("elkGraph", () => {
  it("nests tasks in their groups and keeps edges between known tasks", () => {
    const graph = elkGraph([
      ...TASKS,
      task("x", "container", "PENDING", { dependencies: ["gone"] }),
    ]);
    const top = graph.children?.map((c) => c.id);
    expect(top).toEqual(["make-data", "check", "loop", "summary", "x"]);
    const check = graph.children?.find((c) => c.id === "check");
    expect(check?.children?.map((c) => c.id)).toEqual(["check/train", "check/report"]);
    expect(graph.edges?.map((e) => `${e.sources[0]}>${e.targets[0]}`)).toEqual([
      "make-data>check",
      "check/train>check/report",
      "make-data>loop",
      "check>summary",
      "loop>summary",
    ]);
  });
});

describe("loop iterations", () => {
  it("are laid out in rows in index order, whatever order they started in", async () => {
    const tasks = [task("loop", "loop", "RUNNING")];
    for (const i of [2, 10, 0, 1]) {
      tasks.push(task(`loop/it[${i}]`, "iteration", "RUNNING"));
      tasks.push(task(`loop/it[${i}]/score`, "container", "RUNNING"));
    }
    tasks.push(
      task("loop/it[1]/after", "container", "PENDING", { dependencies: ["loop/it[1]/score"] }),
    );
    const layout = await layoutTasks(tasks);
    const box = (id: string) => layout.boxes.get(id) as Box;
    const reading = [0, 1, 2, 10].map((i) => `loop/it[${i}]`);
    const read = [...reading].sort((a, b) => box(a).y - box(b).y || box(a).x - box(b).x);
    expect(read).toEqual(reading); // row by row, left to right
    expect(new Set(reading.map((id) => box(id).y)).size).toBeLessThan(4); // not one column
    for (const i of [0, 1, 2, 10]) {
      expect(inside(box(`loop/it[${i}]/score`), box(`loop/it[${i}]`))).toBe(true);
      expect(inside(box(`loop/it[${i}]`), box("loop"))).toBe(true);
    }
    const iterations = [0, 1, 2, 10].map((i) => box(`loop/it[${i}]`));
    for (const [i, a] of iterations.entries()) {
      for (const b of iterations.slice(i + 1)) {
        expect(overlap(a, b)).toBe(false);
      }
    }
    const edge = layout.edges.find((e) => e.from === "loop/it[1]/score");
    const target = box("loop/it[1]/after");
    const end = edge?.points[edge.points.length - 1];
    expect(end && end.y >= target.y && end.y <= target.y + target.height).toBe(true);
  });
});

describe("a page of ten iterations", () => {
  it("is laid out wider than tall, so the pane's fit keeps its type readable", async () => {
    const tasks = [task("prep", "container", "SUCCEEDED"), task("loop", "loop", "RUNNING")];
    for (let i = 0; i < 10; i++) {
      tasks.push(task(`loop/it[${i}]`, "iteration", "RUNNING"));
      tasks.push(task(`loop/it[${i}]/train`, "container", "RUNNING"));
    }
    tasks.push(task("gather", "container", "PENDING", { dependencies: ["loop"] }));
    const layout = await layoutTasks(tasks);
    // the fit of a 900 x 420 pane (graph.ts): one column of ten scaled it to 0.44
    const scale = Math.min(1, (900 - 24) / layout.width, (420 - 24) / layout.height);
    expect(scale).toBeGreaterThan(0.75);
    const loop = layout.boxes.get("loop") as Box;
    expect((layout.boxes.get("gather") as Box).x).toBeGreaterThan(loop.x + loop.width);
  });
});

describe("layoutTasks", () => {
  it("places groups around their tasks, after their inputs, without overlaps", async () => {
    const layout = await layoutTasks(TASKS);
    const box = (id: string) => layout.boxes.get(id) as Box;
    expect(inside(box("check/train"), box("check"))).toBe(true);
    expect(inside(box("check/report"), box("check"))).toBe(true);
    expect(box("check/report").x).toBeGreaterThan(box("check/train").x);
    // left to right: input, then the groups that use it, then what uses the groups
    expect(box("check").x).toBeGreaterThan(box("make-data").x + box("make-data").width);
    expect(box("loop").x).toBeGreaterThan(box("make-data").x + box("make-data").width);
    expect(box("summary").x).toBeGreaterThan(box("check").x + box("check").width);
    // the condition group sits next to its input, not at the far end
    expect(box("check").x - (box("make-data").x + box("make-data").width)).toBeLessThan(80);
    const top = ["make-data", "check", "loop", "summary"].map(box);
    for (const [i, a] of top.entries()) {
      for (const b of top.slice(i + 1)) {
        expect(overlap(a, b)).toBe(false);
      }
    }
    expect(layout.edges).toHaveLength(5);
    for (const e of layout.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
    }
    expect(layout.width).toBeGreaterThan(box("summary").x);
  });
});
