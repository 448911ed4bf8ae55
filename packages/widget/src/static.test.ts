import { describe, expect, it, vi } from "vitest";

import { task } from "./fixtures.test-util";
import { renderGraphWidget } from "./static";

class NoResize {
  observe(): void {}
  disconnect(): void {}
}

const TASKS = [
  task("make", "container", "PENDING", { component: "comp-make" }),
  task("for-loop-2", "loop", "PENDING", {
    dependencies: ["make"],
    message: "for each of [1, 2, 3]",
  }),
  task("for-loop-2/train", "container", "PENDING", { component: "comp-train-2" }),
];

describe("renderGraphWidget", () => {
  it("draws the tasks once, each leaf naming its component", async () => {
    vi.stubGlobal("ResizeObserver", NoResize);
    vi.stubGlobal("requestAnimationFrame", (f: FrameRequestCallback) => setTimeout(f, 0));
    const el = document.createElement("div");
    document.body.append(el);
    const model = {
      get: ((name: string) => (name === "name" ? "sweep" : TASKS)) as never,
    };
    const dispose = renderGraphWidget({ model, el });
    expect(el.querySelector(".kfpnb-title")?.textContent).toBe(
      "sweep · 2 task(s) · before it runs",
    );
    await vi.waitFor(() => expect(el.querySelectorAll(".kfpnb-node").length).toBe(2), {
      timeout: 20_000,
    });
    const labels = [...el.querySelectorAll(".kfpnb-node .kfpnb-time")].map((t) => t.textContent);
    expect(labels.sort()).toEqual(["make", "train-2"]);
    expect(el.querySelectorAll(".kfpnb-group").length).toBe(1);
    const tip = el.querySelector(".kfpnb-group title")?.textContent ?? "";
    expect(tip).toContain("for each of [1, 2, 3]");
    dispose();
    vi.unstubAllGlobals();
  });
});
