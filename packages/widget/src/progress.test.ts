import { describe, expect, it } from "vitest";

import { task } from "./fixtures.test-util";
import { progress } from "./progress";

describe("progress", () => {
  it("counts leaf tasks only, done when neither pending nor running", () => {
    const tasks = [
      task("make-data", "container", "SUCCEEDED"),
      task("fetch", "importer", "CACHED"),
      task("loop", "loop", "RUNNING"),
      task("loop/0", "iteration", "RUNNING"),
      task("loop/0/train", "container", "RUNNING"),
      task("loop/1", "iteration", "PENDING"),
      task("loop/1/train", "container", "PENDING"),
      task("cond", "condition", "SKIPPED"),
      task("cond/report", "container", "SKIPPED"),
      task("odd", "unsupported", "FAILED"),
      task("exit", "exit-handler", "CANCELLED"),
    ];
    expect(progress(tasks)).toEqual({ done: 4, total: 6 });
  });

  it("is zero of zero without tasks", () => {
    expect(progress([])).toEqual({ done: 0, total: 0 });
  });
});
