// The graph's SVG for one layout: groups under edges under task nodes, a closed large loop as
// its own node (loopnode.ts), an open one's group with its header controls. Colours and times
// are painted afterwards (graph.ts), so a status change never redraws.
import { isLeafKind, svg, type TaskJSON } from "@kfp-notebook/shared";

import type { LoopSummary } from "./collapse";
import type { GraphLayout } from "./layout";
import { closedLoop, openLoopHeader, type LoopActions } from "./loopnode";

function label(name: string): string {
  return name.length > 22 ? `${name.slice(0, 21)}…` : name;
}

export interface Drawn {
  layers: SVGElement[];
  nodes: Map<string, SVGGElement>;
}

function arrowDefs(): SVGElement {
  const marker = svg("marker", {
    id: "kfpnb-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6,
    markerHeight: 6, orient: "auto",
  }); // prettier-ignore
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "kfpnb-arrowhead" }));
  const defs = svg("defs");
  defs.append(marker);
  return defs;
}

export function drawGraph(
  tasks: TaskJSON[],
  layout: GraphLayout,
  loops: ReadonlyMap<string, LoopSummary>,
  actions: LoopActions,
  onSelect: (taskId: string) => void,
): Drawn {
  const nodes = new Map<string, SVGGElement>();
  const groups = svg("g");
  const edges = svg("g", { class: "kfpnb-edges" });
  const leaves = svg("g");
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const depth = (t: TaskJSON): number => {
    const parent = t.parent_id !== null ? byId.get(t.parent_id) : undefined;
    return parent ? 1 + depth(parent) : 0;
  };
  for (const t of [...tasks].sort((a, b) => depth(a) - depth(b))) {
    const box = layout.boxes.get(t.task_id);
    if (!box) {
      continue;
    }
    const loop = loops.get(t.task_id);
    if (loop && !loop.open) {
      const closed = closedLoop(t, box, actions);
      leaves.append(closed);
      nodes.set(t.task_id, closed);
      continue;
    }
    const leaf = isLeafKind(t.kind);
    const node = svg("g", {
      class: leaf ? "kfpnb-node" : "kfpnb-group",
      "data-id": t.task_id,
      "data-kind": t.kind,
    });
    node.append(svg("title"));
    node.append(svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }));
    const name = leaf ? label(t.name) : `${label(t.name)} · ${t.kind}`;
    node.append(svg("text", { x: box.x + 8, y: box.y + 15, class: "kfpnb-label" }, name));
    if (leaf) {
      node.append(svg("text", { x: box.x + 8, y: box.y + 30, class: "kfpnb-time" }));
    }
    node.addEventListener("click", (ev) => {
      ev.stopPropagation();
      onSelect(t.task_id);
    });
    if (loop) {
      node.append(openLoopHeader(t, box, loop, actions));
    }
    (leaf ? leaves : groups).append(node);
    nodes.set(t.task_id, node);
  }
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`).join(" ");
    edges.append(svg("path", { d, class: "kfpnb-edge", "marker-end": "url(#kfpnb-arrow)" }));
  }
  return { layers: [arrowDefs(), groups, edges, leaves], nodes };
}
