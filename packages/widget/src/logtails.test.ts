import { describe, expect, it } from "vitest";

import { task } from "./fixtures.test-util";
import { KEPT_LINES, mergeTail, tailOfText } from "./logtails";
import { shownTask } from "./model";

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

describe("mergeTail", () => {
  it("appends live lines after what is held", () => {
    const held = { lines: lines(0, 3), count: 3 };
    expect(mergeTail(held, { lines: lines(3, 5), count: 5 })).toEqual({
      lines: lines(0, 5),
      count: 5,
    });
  });

  it("skips the lines it holds when an answer overlaps them", () => {
    const held = { lines: lines(0, 4), count: 4 };
    expect(mergeTail(held, { lines: lines(2, 6), count: 6 }).lines).toEqual(lines(0, 6));
  });

  it("keeps what it holds when an answer is older", () => {
    const held = { lines: lines(0, 6), count: 6 };
    expect(mergeTail(held, { lines: lines(0, 4), count: 4 })).toBe(held);
  });

  it("keeps the newest lines only", () => {
    const merged = mergeTail(undefined, { lines: lines(0, KEPT_LINES + 5), count: 9999 });
    expect(merged.lines).toHaveLength(KEPT_LINES);
    expect(merged.lines[merged.lines.length - 1]).toBe(`line ${KEPT_LINES + 4}`);
  });

  it("reads a log file's tail", () => {
    expect(tailOfText("a\nb\n", 1)).toEqual({ lines: ["a", "b"], count: 2 });
  });
});

describe("shownTask", () => {
  it("shows the only task of a single-task run without a click", () => {
    expect(shownTask([task("hello", "container", "RUNNING")], "")).toBe("hello");
  });

  it("shows nothing until a click when there are several tasks", () => {
    const tasks = [task("a", "container", "SUCCEEDED"), task("b", "container", "SUCCEEDED")];
    expect(shownTask(tasks, "")).toBe("");
    expect(shownTask(tasks, "b")).toBe("b");
  });
});
