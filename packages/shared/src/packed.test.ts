import { describe, expect, it } from "vitest";

import fixture from "./packed.fixtures.generated.json";
import { unpackTasks } from "./packed";

describe("packed tasks", () => {
  it("reads what the kernel packed as Python reads it", () => {
    const { tasks, counts } = unpackTasks(fixture.packed);
    expect(tasks).toEqual(fixture.tasks);
    expect(counts).toEqual(fixture.log_counts);
  });

  it("reads an empty trait as no task", () => {
    expect(unpackTasks("")).toEqual({ tasks: [], counts: {} });
  });

  it("refuses a packing of another version", () => {
    const other = JSON.stringify({ ...JSON.parse(fixture.packed), version: 2 });
    expect(() => unpackTasks(other)).toThrow(/version 2/);
  });
});
