import { afterEach, describe, expect, it, vi } from "vitest";

import { startEngine } from "./elk";

const GRAPH = {
  id: "root",
  layoutOptions: { "elk.algorithm": "layered" },
  children: [
    { id: "a", width: 10, height: 10 },
    { id: "b", width: 10, height: 10 },
  ],
  edges: [{ id: "e", sources: ["a"], targets: ["b"] }],
};

describe("startEngine", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("runs elkjs's worker script in the page where there are no workers (jsdom)", async () => {
    const { elk, kind } = await startEngine();
    expect(kind).toBe("page");
    const laid = await elk.layout(GRAPH);
    const [a, b] = laid.children ?? [];
    expect(b?.x).toBeGreaterThan(a?.x ?? Infinity);
  });

  it("falls back to the page when the worker fails to start (a page refusing workers)", async () => {
    class Refused extends EventTarget {
      onmessage = null;
      postMessage(): void {
        setTimeout(() => this.dispatchEvent(Object.assign(new Event("error"), { message: "CSP" })));
      }
      terminate(): void {}
    }
    class BlobUrls extends URL {
      static override createObjectURL(): string {
        return "blob:test";
      }
      static override revokeObjectURL(): void {}
    }
    vi.stubGlobal("Worker", Refused);
    vi.stubGlobal("URL", BlobUrls); // jsdom has no blob: URLs
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { elk, kind } = await startEngine();
    expect(kind).toBe("page");
    expect(warn).toHaveBeenCalledOnce();
    expect((await elk.layout(GRAPH)).children).toHaveLength(2);
  });
});
