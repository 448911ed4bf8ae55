// The task graph: ELK lays out tasks and their groups (see layout.ts), SVG draws them, the mouse
// pans and zooms, a click selects a task. A loop of many iterations is one node until opened
// (collapse.ts). Layout runs only when the set of tasks drawn changes, in a Web Worker (elk.ts;
// `data-layout` on the graph says where it ran); a status change only repaints. Until the first
// layout (its engine loads on demand) a note stands in for the graph.
import {
  formatDuration,
  elapsed,
  isLeafKind,
  LOOP_ORDERS,
  statusColour,
  svg,
  type TaskJSON,
} from "@kfp-notebook/shared";

import { visibleTasks, type LoopSummary, type LoopView } from "./collapse";
import { drawGraph } from "./drawing";
import { layoutEngine, layoutTasks, type GraphLayout } from "./layout";
import { loopShapes, paintLoop, type LoopActions } from "./loopnode";

const MAX_HEIGHT = 420;
const MIN_HEIGHT = 120;
const PAD = 12;

export class TaskGraph {
  readonly el: HTMLDivElement;
  private readonly svg = svg("svg", { class: "kfpnb-graph-svg" });
  private readonly viewport = svg("g");
  private readonly note = document.createElement("div");
  private layoutKey = "";
  private laying = false;
  private relayout = false;
  private nodes = new Map<string, SVGGElement>();
  private last: { tasks: TaskJSON[]; selected: string; now: number } | null = null;
  private all: TaskJSON[] = [];
  private readonly views = new Map<string, LoopView>();
  private loops = new Map<string, LoopSummary>();
  private readonly loopActions: LoopActions = {
    toggle: (id) => this.changeView(id, (v) => ({ ...v, open: !v.open, page: 0 })),
    page: (id, delta) => this.changeView(id, (v) => ({ ...v, page: Math.max(0, v.page + delta) })),
    order: (id) =>
      this.changeView(id, (v) => {
        const next = LOOP_ORDERS[(LOOP_ORDERS.indexOf(v.order) + 1) % LOOP_ORDERS.length];
        return { ...v, order: next ?? "index", page: 0 };
      }),
  };
  private scale = 1;
  private tx = PAD;
  private ty = PAD;
  private layout: GraphLayout | null = null;
  /** The user panned or zoomed: a resize no longer refits. */
  private moved = false;
  private fittedWidth = 0;
  private readonly resize = new ResizeObserver(() => {
    if (!this.moved && this.el.clientWidth && this.el.clientWidth !== this.fittedWidth) {
      this.fit();
    }
  });

  constructor(private readonly onSelect: (taskId: string) => void) {
    this.el = document.createElement("div");
    this.el.className = "kfpnb-graph";
    this.note.className = "kfpnb-graph-note";
    this.note.textContent = "Laying out the task graph…";
    this.svg.append(this.viewport);
    this.el.append(this.note, this.svg);
    this.enablePanZoom();
    this.resize.observe(this.el);
  }

  update(all: TaskJSON[], selected: string, now: number): void {
    this.all = all;
    const { tasks, loops } = visibleTasks(all, this.views, now);
    this.loops = loops;
    this.last = { tasks, selected, now };
    const shape = (id: string) => {
      const loop = loops.get(id);
      return loop ? (loop.open ? `<open${loop.page}${loop.order}` : "<closed") : "";
    };
    const key = tasks
      .map(
        (t) => `${t.task_id}<${t.parent_id ?? ""}<${t.dependencies.join(",")}${shape(t.task_id)}`,
      )
      .join("|");
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.requestLayout();
    }
    this.paint();
  }

  /**
   * Lays out the current tasks; one layout at a time (ELK takes a while on hundreds of tasks,
   * and loops add tasks as they expand), then once more if the tasks changed meanwhile.
   */
  private requestLayout(): void {
    if (this.laying) {
      this.relayout = true;
      return;
    }
    const key = this.layoutKey;
    const tasks = this.last?.tasks ?? [];
    this.laying = true;
    layoutTasks(tasks, loopShapes(this.loops))
      .then((layout) => {
        if (this.layoutKey === key) {
          this.draw(tasks, layout);
          this.paint();
        }
        return layoutEngine().then(({ kind }) => this.el.setAttribute("data-layout", kind));
      })
      .catch((error: unknown) => {
        console.error("kfp-notebook: graph layout failed", error);
        if (!this.layout) {
          this.note.textContent = `The task graph could not be laid out: ${error}`;
        }
      })
      .finally(() => {
        this.laying = false;
        if (this.relayout) {
          this.relayout = false;
          if (this.layoutKey !== key) {
            this.requestLayout();
          }
        }
      });
  }

  private changeView(loopId: string, change: (view: LoopView) => LoopView): void {
    const view = this.views.get(loopId) ?? { open: false, page: 0, order: "index" };
    const next = change(view);
    const pages = this.loops.get(loopId)?.pages ?? 1;
    this.views.set(loopId, { ...next, page: Math.min(next.page, pages - 1) });
    if (this.last) {
      this.update(this.all, this.last.selected, this.last.now);
    }
  }

  /** Statuses, durations and the selection onto the drawn nodes. */
  private paint(): void {
    if (!this.last) {
      return;
    }
    const { tasks, selected, now } = this.last;
    for (const t of tasks) {
      const g = this.nodes.get(t.task_id);
      if (!g) {
        continue;
      }
      g.setAttribute("data-status", t.status);
      g.classList.toggle("selected", t.task_id === selected);
      const loop = this.loops.get(t.task_id);
      const box = this.layout?.boxes.get(t.task_id);
      if (loop && !loop.open && box) {
        paintLoop(g, loop, box);
        continue;
      }
      if (isLeafKind(t.kind)) {
        // a group has no time of its own (an open loop's header has its pager there)
        const rect = g.querySelector("rect");
        if (rect) {
          const colour = statusColour(t.status);
          rect.style.fill = colour.fill;
          rect.style.stroke = colour.stroke;
        }
        const time = g.querySelector(".kfpnb-time");
        if (time) {
          time.textContent = `${t.status.toLowerCase()} ${formatDuration(elapsed(t.started, t.finished, now))}`;
        }
      }
      const title = g.querySelector("title");
      if (title) {
        title.textContent = `${t.task_id}\n${t.status}${t.message ? `\n${t.message}` : ""}`;
      }
    }
  }

  private draw(tasks: TaskJSON[], layout: GraphLayout): void {
    const drawn = drawGraph(tasks, layout, this.loops, this.loopActions, this.onSelect);
    this.viewport.replaceChildren(...drawn.layers);
    this.nodes = drawn.nodes;
    this.note.remove();
    this.layout = layout;
    this.moved = false;
    this.fit();
  }

  /** Scales the graph to fit the pane's width and the height limit, with a margin. */
  private fit(): void {
    const layout = this.layout;
    if (!layout) {
      return;
    }
    const width = this.el.clientWidth || 600;
    this.fittedWidth = width;
    const across = (width - 2 * PAD) / Math.max(1, layout.width);
    const down = (MAX_HEIGHT - 2 * PAD) / Math.max(1, layout.height);
    this.scale = Math.max(0.1, Math.min(1, across, down));
    this.tx = PAD;
    this.ty = PAD;
    const height = layout.height * this.scale + 2 * PAD;
    this.svg.setAttribute("height", String(Math.max(MIN_HEIGHT, Math.ceil(height))));
    this.applyTransform();
  }

  private applyTransform(): void {
    this.viewport.setAttribute(
      "transform",
      `translate(${this.tx},${this.ty}) scale(${this.scale})`,
    );
  }

  private enablePanZoom(): void {
    let drag: { x: number; y: number } | null = null;
    this.svg.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const rect = this.svg.getBoundingClientRect();
        const mx = ev.clientX - rect.left;
        const my = ev.clientY - rect.top;
        const factor = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
        const next = Math.min(4, Math.max(0.1, this.scale * factor));
        this.tx = mx - ((mx - this.tx) * next) / this.scale;
        this.ty = my - ((my - this.ty) * next) / this.scale;
        this.scale = next;
        this.moved = true;
        this.applyTransform();
      },
      { passive: false },
    );
    this.svg.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX - this.tx, y: ev.clientY - this.ty };
    });
    const move = (ev: PointerEvent) => {
      if (!drag) {
        return;
      }
      this.tx = ev.clientX - drag.x;
      this.ty = ev.clientY - drag.y;
      this.moved = true;
      this.applyTransform();
    };
    const up = () => {
      drag = null;
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    this.dispose = () => {
      this.resize.disconnect();
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
  }

  /** Removes the listeners on the window (the widget's view is gone). */
  dispose: () => void = () => undefined;
}
