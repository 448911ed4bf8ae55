/**
 * Runs picked in the sidebar for a comparison: in one pipeline root at a time, by checkbox, with
 * shift-click selecting the range from the last pick. The sidebar asks it for the checkboxes and
 * the Compare button; the comparison gets the runs oldest first (the list shows newest first).
 */
import { el } from "./format";

export const MAX_COMPARE = 10;

export class RunSelection {
  private root = "";
  private picked = new Set<string>();
  private last = "";
  private listed: () => string[] = () => [];
  readonly button = el("button", "kfpsb-compare-button", "Compare");

  constructor(
    private changed: () => void,
    private compare: (root: string, runIds: string[]) => void,
  ) {
    this.button.title = `Select 2 to ${MAX_COMPARE} runs of one root, then compare them`;
    this.button.addEventListener("click", () => {
      if (this.picked.size >= 2) {
        const order = this.listed();
        const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : -1);
        this.compare(
          this.root,
          [...this.picked].sort((a, b) => rank(b) - rank(a)),
        );
      }
    });
    this.refreshButton();
  }

  has(root: string, runId: string): boolean {
    return this.root === root && this.picked.has(runId);
  }

  /** A checkbox for a run row; `listed` is the root's run ids in display order. */
  checkbox(root: string, runId: string, listed: () => string[]): HTMLInputElement {
    const box = el("input", "kfpsb-pick");
    box.type = "checkbox";
    box.checked = this.has(root, runId);
    box.title = "Select for comparison (shift-click: a range)";
    box.setAttribute("aria-label", `Select ${runId} for comparison`);
    box.addEventListener("click", (event) => {
      event.stopPropagation();
      this.listed = listed;
      this.pick(root, runId, box.checked, event.shiftKey ? listed() : null);
    });
    return box;
  }

  clear(): void {
    this.picked.clear();
    this.last = "";
    this.refreshButton();
    this.changed();
  }

  private pick(root: string, runId: string, on: boolean, range: string[] | null): void {
    if (root !== this.root) {
      this.root = root;
      this.picked.clear();
      this.last = "";
    }
    const from = range ? range.indexOf(this.last) : -1;
    const to = range ? range.indexOf(runId) : -1;
    const ids =
      range && from >= 0 && to >= 0
        ? range.slice(Math.min(from, to), Math.max(from, to) + 1)
        : [runId];
    for (const id of ids) {
      if (on) {
        this.picked.add(id);
      } else {
        this.picked.delete(id);
      }
    }
    this.last = runId;
    this.refreshButton();
    this.changed();
  }

  private refreshButton(): void {
    const n = this.picked.size;
    this.button.textContent = n ? `Compare ${n}` : "Compare";
    const ok = n >= 2 && n <= MAX_COMPARE;
    this.button.disabled = !ok;
    if (n > MAX_COMPARE) {
      this.button.title = `At most ${MAX_COMPARE} runs: unselect ${n - MAX_COMPARE}`;
    }
  }
}
