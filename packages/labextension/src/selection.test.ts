import { describe, expect, it, vi } from "vitest";

import { MAX_COMPARE, RunSelection } from "./selection";

/** Run ids as the sidebar lists them: newest first. */
const LISTED = ["r5", "r4", "r3", "r2", "r1"];

/** A click as the user's: it toggles the checkbox, then its listener picks. */
function click(box: HTMLInputElement, shiftKey = false): void {
  box.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, shiftKey }));
}

function setup() {
  const changed = vi.fn();
  const compare = vi.fn();
  const selection = new RunSelection(changed, compare);
  // the sidebar redraws its rows on every change: each click goes to a fresh checkbox
  const box = (id: string) => selection.checkbox("root-a", id, () => LISTED);
  return { selection, changed, compare, box };
}

describe("RunSelection", () => {
  it("enables Compare from two runs and passes them oldest first", () => {
    const { selection, compare, changed, box } = setup();
    expect(selection.button.disabled).toBe(true);
    click(box("r2"));
    expect(selection.button.textContent).toBe("Compare 1");
    expect(selection.button.disabled).toBe(true);
    click(box("r4"));
    expect(selection.button.textContent).toBe("Compare 2");
    expect(selection.button.disabled).toBe(false);
    expect(changed).toHaveBeenCalledTimes(2);
    selection.button.click();
    expect(compare).toHaveBeenCalledWith("root-a", ["r2", "r4"]);
  });

  it("shift-click picks the range from the last pick, either way", () => {
    const { selection, compare, box } = setup();
    click(box("r4"));
    click(box("r1"), true);
    expect(LISTED.filter((id) => selection.has("root-a", id))).toEqual(["r4", "r3", "r2", "r1"]);
    click(box("r3"), true); // unchecking with shift unpicks the range r1..r3
    expect(LISTED.filter((id) => selection.has("root-a", id))).toEqual(["r4"]);
    click(box("r5"), true); // from the last pick (r3) again
    expect(LISTED.filter((id) => selection.has("root-a", id))).toEqual(["r5", "r4", "r3"]);
    selection.button.click();
    expect(compare).toHaveBeenCalledWith("root-a", ["r3", "r4", "r5"]);
  });

  it("keeps to one root: a pick in another root starts over", () => {
    const { selection, box } = setup();
    click(box("r1"));
    click(box("r2"));
    const other = selection.checkbox("root-b", "x1", () => ["x1"]);
    click(other);
    expect(selection.has("root-a", "r1")).toBe(false);
    expect(selection.has("root-b", "x1")).toBe(true);
    expect(selection.button.textContent).toBe("Compare 1");
    const again = selection.checkbox("root-a", "r1", () => LISTED);
    expect(again.checked).toBe(false); // a redrawn row shows the current picks
  });

  it("refuses more than MAX_COMPARE runs and clears", () => {
    const changed = vi.fn();
    const selection = new RunSelection(changed, vi.fn());
    const ids = Array.from({ length: MAX_COMPARE + 2 }, (_, i) => `r${i}`);
    for (const id of ids) {
      click(selection.checkbox("root", id, () => ids));
    }
    expect(selection.button.textContent).toBe(`Compare ${MAX_COMPARE + 2}`);
    expect(selection.button.disabled).toBe(true);
    expect(selection.button.title).toContain("unselect 2");
    selection.clear();
    expect(selection.button.textContent).toBe("Compare");
    expect(ids.some((id) => selection.has("root", id))).toBe(false);
    expect(changed).toHaveBeenCalledTimes(MAX_COMPARE + 3);
  });

  it("keeps a checkbox click from toggling its row", () => {
    const { box } = setup();
    const row = document.createElement("div");
    const onRow = vi.fn();
    row.addEventListener("click", onRow);
    const checkbox = box("r1");
    row.append(checkbox);
    click(checkbox);
    expect(checkbox.checked).toBe(true);
    expect(onRow).not.toHaveBeenCalled();
  });
});
