// The task graph's layout: ELK's layered algorithm on the compound graph of the run (loops,
// iterations, conditions, nested pipelines and exit handlers are groups holding their tasks), so
// a group sits next to the tasks it depends on. A loop's iterations, which never depend on one
// another, are packed in rows in index order (ELK's box algorithm, each iteration laid out as
// the rest): in one column, a page of ten was a strip the fit to the pane shrank to unreadable
// type. Coordinates come back absolute (root-relative).
// ELK is 96% of the widget's code: it is imported on first layout, so the header, status and
// logs show before it arrives (built as a chunk of its own beside widget.js; see the package's
// build:widget script), and it runs in a Web Worker (elk.ts), so a layout never blocks the page.
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { isLeafKind, type TaskJSON } from "@kfp-notebook/shared";

import type { Engine } from "./elk";

export const NODE_W = 150;
export const NODE_H = 38;
const GROUP_PADDING = "[top=26,left=10,bottom=10,right=10]";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface GraphLayout {
  boxes: Map<string, Box>;
  edges: { from: string; to: string; points: Point[] }[];
  width: number;
  height: number;
}

/** How a group's tasks are laid out: left to right by their dependencies. */
const LAYERED: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.spacing.nodeNode": "14",
  "elk.spacing.edgeNode": "10",
  "elk.layered.spacing.nodeNodeBetweenLayers": "36",
  "elk.layered.spacing.edgeNodeBetweenLayers": "12",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
};

const ROOT_OPTIONS: Record<string, string> = {
  ...LAYERED,
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.padding": "[top=8,left=8,bottom=8,right=8]",
  "elk.json.shapeCoords": "ROOT",
  "elk.json.edgeCoords": "ROOT",
};

/** A loop holding iterations: packed in rows (wider than tall, as the pane), laid out apart. */
const ITERATION_ROWS: Record<string, string> = {
  "elk.algorithm": "box",
  "elk.hierarchyHandling": "SEPARATE_CHILDREN",
  "elk.aspectRatio": "2.4",
  "elk.spacing.nodeNode": "14",
};

/** A node's own size or options (a closed loop's larger box, an open loop's header). */
export type Shapes = ReadonlyMap<string, Pick<ElkNode, "width" | "height" | "layoutOptions">>;

/** The ELK graph of the tasks: each task a node inside its parent's node. */
export function elkGraph(tasks: TaskJSON[], shapes: Shapes = new Map()): ElkNode {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const nodes = new Map<string, ElkNode>();
  for (const t of tasks) {
    const leaf = isLeafKind(t.kind);
    nodes.set(t.task_id, {
      id: t.task_id,
      ...(leaf ? { width: NODE_W, height: NODE_H } : {}),
      layoutOptions: leaf ? {} : { "elk.padding": GROUP_PADDING },
      children: [],
      ...shapes.get(t.task_id),
    });
  }
  const root: ElkNode = { id: "\u0000root", layoutOptions: ROOT_OPTIONS, children: [], edges: [] };
  for (const t of tasks) {
    const node = nodes.get(t.task_id) as ElkNode;
    const parent = t.parent_id !== null ? nodes.get(t.parent_id) : undefined;
    (parent ?? root).children?.push(node);
  }
  for (const node of nodes.values()) {
    if (!node.children?.length && node.width === undefined) {
      node.width = NODE_W; // a group with no tasks yet (a loop before it expands)
      node.height = NODE_H;
    }
  }
  for (const t of tasks) {
    const loop = nodes.get(t.task_id) as ElkNode;
    const iterations = (loop.children ?? []).filter((c) => byId.get(c.id)?.kind === "iteration");
    if (t.kind !== "loop" || !iterations.length) {
      continue;
    }
    loop.layoutOptions = { ...loop.layoutOptions, ...ITERATION_ROWS };
    const order = iterations.map((c) => c.id).sort(byIndex);
    for (const it of iterations) {
      // the box algorithm places higher priorities first
      const priority = String(order.length - order.indexOf(it.id));
      it.layoutOptions = { ...LAYERED, ...it.layoutOptions, "elk.priority": priority };
    }
  }
  const edges: ElkExtendedEdge[] = [];
  for (const t of tasks) {
    for (const dep of t.dependencies) {
      if (byId.has(dep) && dep !== t.task_id) {
        edges.push({ id: `${dep}\u0000${t.task_id}`, sources: [dep], targets: [t.task_id] });
      }
    }
  }
  root.edges = edges;
  return root;
}

const byIndex = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

let engine: Promise<Engine> | null = null;

/** The layout engine (one per page), loaded on first use (again after a failed load). */
export function layoutEngine(): Promise<Engine> {
  if (!engine) {
    engine = import("./elk").then(({ startEngine }) => startEngine());
    engine.catch(() => {
      engine = null;
    });
  }
  return engine;
}

export async function layoutTasks(
  tasks: TaskJSON[],
  shapes: Shapes = new Map(),
): Promise<GraphLayout> {
  const { elk } = await layoutEngine();
  const laid = await elk.layout(elkGraph(tasks, shapes));
  const boxes = new Map<string, Box>();
  const visit = (node: ElkNode) => {
    for (const child of node.children ?? []) {
      const { x = 0, y = 0, width = NODE_W, height = NODE_H } = child;
      boxes.set(child.id, { x, y, width, height });
      visit(child);
    }
  };
  visit(laid);
  const edges: GraphLayout["edges"] = [];
  const collect = (node: ElkNode) => {
    for (const e of node.edges ?? []) {
      for (const s of e.sections ?? []) {
        const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
        edges.push({ from: e.sources[0], to: e.targets[0], points });
      }
    }
    node.children?.forEach(collect);
  };
  collect(laid);
  return { boxes, edges, width: laid.width ?? 0, height: laid.height ?? 0 };
}
