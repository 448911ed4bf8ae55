// The entry of a page written by `kfp-notebook graph -o page.html`: one script (this bundle,
// the layout engine included, inlined in the page) that draws every
// `<div data-kfpnb-graph>` from the JSON in its `<script type="application/json">`.
import type { StaticGraphData } from "./static";
import { renderStaticGraph } from "./static";

function mount(): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-kfpnb-graph]")) {
    const source = el.querySelector('script[type="application/json"]');
    const data = JSON.parse(source?.textContent ?? "{}") as StaticGraphData;
    renderStaticGraph(el, { name: data.name ?? "", tasks: data.tasks ?? [] });
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", mount);
} else {
  mount();
}
