import { describe, expect, it } from "vitest";

import {
  cellText,
  elapsed,
  failureHeadline,
  formatBytes,
  formatDuration,
  middleEllipsis,
  plural,
} from "./format";

describe("formatBytes", () => {
  it("keeps bytes under 1 KiB whole", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
  });

  it("uses binary units", () => {
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 ** 2)).toBe("5.0 MiB");
    expect(formatBytes(3.25 * 1024 ** 3)).toBe("3.3 GiB");
  });
});

describe("formatDuration", () => {
  it("is empty without a duration", () => {
    expect(formatDuration(null)).toBe("");
    expect(formatDuration(undefined)).toBe("");
    expect(formatDuration(-1)).toBe("");
  });

  it("picks the unit by size", () => {
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatDuration(4.21)).toBe("4.2 s");
    expect(formatDuration(185)).toBe("3m 05s");
    expect(formatDuration(3600 + 120 + 59)).toBe("1h 02m");
  });
});

describe("elapsed", () => {
  it("runs to now while not finished, to the end when finished", () => {
    expect(elapsed(100, null, 130)).toBe(30);
    expect(elapsed(100, 110, 130)).toBe(10);
    expect(elapsed(null, 110, 130)).toBeNull();
  });
});

describe("cellText", () => {
  it("shows objects as JSON and nothing for null", () => {
    expect(cellText({ a: [1] })).toBe('{"a":[1]}');
    expect(cellText(null)).toBe("");
    expect(cellText(3.5)).toBe("3.5");
  });
});

describe("middleEllipsis", () => {
  it("keeps short text and cuts long text in the middle", () => {
    expect(middleEllipsis("short", 10)).toBe("short");
    const id = "quickstart-20261128-064512-ab12";
    const cut = middleEllipsis(id, 15);
    expect(cut).toHaveLength(15);
    expect(cut).toBe("quickst…12-ab12");
    expect(cut.startsWith("quickst") && cut.endsWith("-ab12")).toBe(true);
  });
});

describe("plural", () => {
  it("says 1 run and 2 runs", () => {
    expect(plural(1, "run")).toBe("1 run");
    expect(plural(0, "run")).toBe("0 runs");
    expect(plural(2, "run")).toBe("2 runs");
  });
});

describe("failureHeadline", () => {
  it("keeps what failed and drops the log lines a task's failure quotes", () => {
    const message =
      "task 'train' failed with exit status 1 after 1 attempt(s).\n  last log lines:\n" +
      "    ValueError: bad\n  full log: /runs/r/train/task.log";
    expect(failureHeadline(message)).toBe(
      "task 'train' failed with exit status 1 after 1 attempt(s).",
    );
  });

  it("keeps a message of another kind whole", () => {
    expect(failureHeadline("the engine stopped\nsee its log")).toBe(
      "the engine stopped\nsee its log",
    );
  });
});
