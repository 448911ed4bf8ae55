// A large loop as the graph draws it: closed, one node with a bar of its iterations (done,
// running, failed, pending) and the counts; open, its group's header carries the pager and the
// order of the iterations shown. Clicks go to the graph's handlers.
import { statusColour, svg, type LoopOrder, type TaskJSON } from "@kfp-notebook/shared";

import { PAGE_SIZE, type LoopSummary } from "./collapse";
import type { Box, Shapes } from "./layout";

export const LOOP_W = 240;
export const LOOP_H = 56;
/** An open large loop's header: its name, then the pager and the order. */
export const OPEN_LOOP_PADDING = "[top=46,left=10,bottom=10,right=10]";
export const OPEN_LOOP_MIN = "(300,80)";

const ORDER_LABEL: Record<LoopOrder, string> = {
  index: "in order",
  failed: "failed first",
  slowest: "slowest first",
};

export interface LoopActions {
  toggle(loopId: string): void;
  page(loopId: string, delta: number): void;
  order(loopId: string): void;
}

const SEGMENTS: [keyof LoopSummary, string][] = [
  ["done", "SUCCEEDED"],
  ["running", "RUNNING"],
  ["failed", "FAILED"],
  ["pending", "PENDING"],
];

function button(x: number, y: number, text: string, act: () => void, cls: string): SVGElement {
  const el = svg("text", { x, y, class: `kfpnb-loop-button ${cls}`, role: "button" }, text);
  el.addEventListener("click", (ev) => {
    ev.stopPropagation();
    act();
  });
  return el;
}

/** The closed loop's node: name, bar and counts; a click opens it. */
export function closedLoop(t: TaskJSON, box: Box, actions: LoopActions): SVGGElement {
  const g = svg("g", { class: "kfpnb-loop", "data-id": t.task_id, "data-kind": t.kind });
  g.append(svg("title"));
  g.append(svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }));
  g.append(svg("text", { x: box.x + 8, y: box.y + 15, class: "kfpnb-label" }, `${t.name} · loop`));
  const bar = svg("g", { class: "kfpnb-loop-bar" });
  for (const [key] of SEGMENTS) {
    bar.append(svg("rect", { "data-part": key, y: box.y + 22, height: 8 }));
  }
  g.append(bar);
  g.append(svg("text", { x: box.x + 8, y: box.y + 46, class: "kfpnb-time kfpnb-loop-counts" }));
  g.addEventListener("click", (ev) => {
    ev.stopPropagation();
    actions.toggle(t.task_id);
  });
  return g;
}

/** An open loop's header controls (under its name): close, the page, and the order. */
export function openLoopHeader(
  t: TaskJSON,
  box: Box,
  summary: LoopSummary,
  actions: LoopActions,
): SVGGElement {
  const g = svg("g", { class: "kfpnb-loop-header" });
  const y = box.y + 34;
  const first = summary.page * PAGE_SIZE + 1;
  const last = Math.min(summary.total, first + PAGE_SIZE - 1);
  const id = t.task_id;
  g.append(
    button(box.x + 8, y, "▴ close", () => actions.toggle(id), "kfpnb-loop-close"),
    button(box.x + 64, y, "‹", () => actions.page(id, -1), "kfpnb-loop-prev"),
    svg("text", { x: box.x + 78, y, class: "kfpnb-time kfpnb-loop-page" },
      `${first}–${last} of ${summary.total}`),
    button(box.x + 160, y, "›", () => actions.page(id, 1), "kfpnb-loop-next"),
    button(box.x + 176, y, ORDER_LABEL[summary.order], () => actions.order(id), "kfpnb-loop-order"),
  ); // prettier-ignore
  return g;
}

/** The closed loop's bar and counts in the loop's current state. */
export function paintLoop(g: SVGGElement, summary: LoopSummary, box: Box): void {
  const width = box.width - 16;
  let x = box.x + 8;
  for (const [key, status] of SEGMENTS) {
    const part = g.querySelector(`[data-part="${String(key)}"]`);
    const share = summary.total ? (summary[key] as number) / summary.total : 0;
    part?.setAttribute("x", String(x));
    part?.setAttribute("width", String(share * width));
    (part as SVGElement | null)?.style.setProperty("fill", statusColour(status).stroke);
    x += share * width;
  }
  const counts = g.querySelector(".kfpnb-loop-counts");
  if (counts) {
    const extra = [
      summary.running ? `${summary.running} running` : "",
      summary.failed ? `${summary.failed} failed` : "",
    ].filter(Boolean);
    counts.textContent = [`${summary.done} of ${summary.total} done`, ...extra].join(" · ");
  }
  const title = g.querySelector("title");
  if (title) {
    title.textContent = `${summary.total} iterations: ${summary.done} done, ${summary.running} running, ${summary.failed} failed, ${summary.pending} pending (click to open)`;
  }
}

/** The sizes of loops drawn closed, and the header room of open ones, for the layout. */
export function loopShapes(loops: ReadonlyMap<string, LoopSummary>): Shapes {
  const open = {
    "elk.padding": OPEN_LOOP_PADDING,
    "elk.nodeSize.minimum": OPEN_LOOP_MIN,
    "elk.nodeSize.constraints": "MINIMUM_SIZE",
  };
  const shapes = new Map<
    string,
    { width?: number; height?: number; layoutOptions?: Record<string, string> }
  >();
  for (const [id, loop] of loops) {
    shapes.set(id, loop.open ? { layoutOptions: open } : { width: LOOP_W, height: LOOP_H });
  }
  return shapes;
}
