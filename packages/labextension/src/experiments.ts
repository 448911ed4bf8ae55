/**
 * The sidebar's experiment filter: a select of every experiment in the known pipeline roots
 * (`GET roots/ID/experiments`, re-read only when a root's change token moves), and which roots
 * hold the chosen one (they get a "trend" action).
 */
import type { RootJSON } from "@kfp-notebook/shared";

import { api } from "./api";
import { el } from "./format";

export class ExperimentFilter {
  readonly select = el("select", "kfpsb-experiment-filter");
  private byRoot = new Map<string, { token: string | null; names: Record<string, number> }>();

  constructor(changed: () => void) {
    this.select.setAttribute("aria-label", "Filter by experiment");
    this.select.title = "Show the runs of one experiment";
    this.select.addEventListener("change", changed);
    this.fill();
  }

  get value(): string {
    return this.select.value;
  }

  /** Whether `root` has runs of the chosen experiment. */
  holds(root: RootJSON): boolean {
    return !!this.value && (this.byRoot.get(root.id)?.names[this.value] ?? 0) > 0;
  }

  /** Re-reads the experiments of the roots whose token moved. */
  async refresh(roots: RootJSON[]): Promise<void> {
    let moved = false;
    for (const root of roots) {
      if (!root.exists || this.byRoot.get(root.id)?.token === root.token) {
        continue;
      }
      const { experiments } = await api.experiments(root.id);
      this.byRoot.set(root.id, { token: root.token, names: experiments });
      moved = true;
    }
    if (moved) {
      this.fill();
    }
  }

  private fill(): void {
    const counts = new Map<string, number>();
    for (const { names } of this.byRoot.values()) {
      for (const [name, n] of Object.entries(names)) {
        if (name) {
          counts.set(name, (counts.get(name) ?? 0) + n);
        }
      }
    }
    const current = this.value;
    const options = [el("option", "", "any experiment")];
    options[0].value = "";
    for (const name of [...counts.keys()].sort()) {
      const option = el("option", "", `${name} (${counts.get(name)})`);
      option.value = name;
      options.push(option);
    }
    this.select.replaceChildren(...options);
    this.select.value = counts.has(current) ? current : "";
  }
}
