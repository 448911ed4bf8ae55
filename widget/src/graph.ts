// The task graph: dagre lays out tasks (loops, conditions and nested pipelines as groups), SVG
// draws it, the mouse pans and zooms. Layout runs only when the set of tasks changes.
import dagre from "@dagrejs/dagre";
import { LEAF_KINDS, Task, duration } from "./types";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 150;
const NODE_H = 38;

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export class TaskGraph {
  readonly el: HTMLDivElement;
  private svg = s("svg", { class: "kfpnb-graph-svg" });
  private viewport = s("g");
  private layoutKey = "";
  private nodes = new Map<string, SVGGElement>();
  private scale = 1;
  private tx = 10;
  private ty = 10;

  constructor(private onSelect: (id: string) => void) {
    this.el = document.createElement("div");
    this.el.className = "kfpnb-graph";
    this.svg.append(this.viewport);
    this.el.append(this.svg);
    this.enablePanZoom();
  }

  update(tasks: Task[], selected: string, now: number): void {
    const key = tasks.map((t) => `${t.id}<${t.parent ?? ""}`).join("|");
    if (key !== this.layoutKey) {
      this.layout(tasks);
      this.layoutKey = key;
    }
    for (const t of tasks) {
      const g = this.nodes.get(t.id);
      if (!g) continue;
      g.setAttribute("data-status", t.status);
      g.classList.toggle("selected", t.id === selected);
      const time = g.querySelector(".kfpnb-time");
      if (time) time.textContent = `${t.status.toLowerCase()} ${duration(t, now)}`;
      const title = g.querySelector("title");
      if (title) title.textContent = `${t.id}\n${t.status}${t.message ? "\n" + t.message : ""}`;
    }
  }

  private layout(tasks: Task[]): void {
    const g = new dagre.graphlib.Graph({ compound: true });
    g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 36, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const anchors = new Set<string>();
    for (const t of tasks) {
      const leaf = LEAF_KINDS.has(t.kind);
      g.setNode(t.id, leaf ? { width: NODE_W, height: NODE_H } : { label: t.name, paddingTop: 18 });
      if (t.parent && byId.has(t.parent)) g.setParent(t.id, t.parent);
    }
    const end = (id: string): string => {
      const t = byId.get(id);
      if (!t || LEAF_KINDS.has(t.kind)) return id;
      const anchor = `${id}\u0000anchor`; // dagre cannot connect edges to a group itself
      if (!anchors.has(anchor)) {
        anchors.add(anchor);
        g.setNode(anchor, { width: 1, height: 1 });
        g.setParent(anchor, id);
      }
      return anchor;
    };
    for (const t of tasks) for (const d of t.deps) if (byId.has(d)) g.setEdge(end(d), end(t.id));
    dagre.layout(g);

    this.viewport.replaceChildren();
    this.nodes.clear();
    const groups = s("g");
    const edges = s("g", { class: "kfpnb-edges" });
    const leaves = s("g");
    this.viewport.append(groups, edges, leaves);
    const depth = (t: Task): number => (t.parent && byId.has(t.parent) ? 1 + depth(byId.get(t.parent)!) : 0);
    for (const t of [...tasks].sort((a, b) => depth(a) - depth(b))) {
      const n = g.node(t.id);
      if (!n) continue;
      const node = s("g", { class: LEAF_KINDS.has(t.kind) ? "kfpnb-node" : "kfpnb-group", "data-id": t.id, "data-kind": t.kind });
      node.append(s("title"));
      const x = n.x - n.width / 2;
      const y = n.y - n.height / 2;
      node.append(s("rect", { x, y, width: n.width, height: n.height, rx: 6 }));
      const label = s("text", { x: x + 8, y: y + 15, class: "kfpnb-label" });
      label.textContent = t.name.length > 22 ? t.name.slice(0, 21) + "…" : t.name;
      node.append(label);
      if (LEAF_KINDS.has(t.kind)) node.append(s("text", { x: x + 8, y: y + 30, class: "kfpnb-time" }));
      node.addEventListener("click", (ev) => {
        ev.stopPropagation();
        this.onSelect(t.id);
      });
      (LEAF_KINDS.has(t.kind) ? leaves : groups).append(node);
      this.nodes.set(t.id, node);
    }
    for (const e of g.edges()) {
      const pts = g.edge(e).points as { x: number; y: number }[];
      const d = pts.map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`).join(" ");
      edges.append(s("path", { d, class: "kfpnb-edge", "marker-end": "url(#kfpnb-arrow)" }));
    }
    const defs = s("defs");
    const marker = s("marker", { id: "kfpnb-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
    marker.append(s("path", { d: "M0,0 L10,5 L0,10 z", class: "kfpnb-arrowhead" }));
    defs.append(marker);
    this.viewport.append(defs);
    const size = g.graph();
    const width = this.el.clientWidth || 600;
    this.scale = Math.min(1, width / Math.max(1, (size.width ?? 1) + 20));
    this.tx = 10;
    this.ty = 10;
    this.svg.setAttribute("height", String(Math.min(420, Math.max(120, ((size.height ?? 100) + 20) * this.scale))));
    this.applyTransform();
  }

  private applyTransform(): void {
    this.viewport.setAttribute("transform", `translate(${this.tx},${this.ty}) scale(${this.scale})`);
  }

  private enablePanZoom(): void {
    let drag: { x: number; y: number } | null = null;
    this.svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const rect = this.svg.getBoundingClientRect();
      const mx = ev.clientX - rect.left;
      const my = ev.clientY - rect.top;
      const factor = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
      const next = Math.min(4, Math.max(0.1, this.scale * factor));
      this.tx = mx - ((mx - this.tx) * next) / this.scale;
      this.ty = my - ((my - this.ty) * next) / this.scale;
      this.scale = next;
      this.applyTransform();
    }, { passive: false });
    this.svg.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX - this.tx, y: ev.clientY - this.ty };
    });
    window.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      this.tx = ev.clientX - drag.x;
      this.ty = ev.clientY - drag.y;
      this.applyTransform();
    });
    window.addEventListener("pointerup", () => (drag = null));
  }
}
