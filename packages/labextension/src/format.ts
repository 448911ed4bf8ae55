/** Small DOM helpers of the sidebar and its main-area views. */
import { middleEllipsis, statusColour, statusGlyph } from "@kfp-notebook/shared";

/** A status badge: a glyph coloured by the state, with the state as its title. */
export function statusIcon(status: string): HTMLElement {
  const span = el("span", `kfpsb-status kfpsb-status-${status}`, statusGlyph(status));
  span.style.color = statusColour(status).stroke;
  span.title = status;
  return span;
}

/** document.createElement with a class and text (never innerHTML: names come from users). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

/** A small text button running `action`, its click kept from toggling the row under it. */
export function actionButton(label: string, title: string, action: () => void): HTMLElement {
  const button = el("button", "kfpsb-action", label);
  button.title = title;
  button.setAttribute("aria-label", title);
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    action();
  });
  return button;
}

/** A row's action buttons: shown over the row's right end on hover or focus, so they never
 * take room from its name. */
export function actions(buttons: HTMLElement[]): HTMLElement {
  const box = el("span", "kfpsb-actions");
  box.append(...buttons);
  return box;
}

/** Run ids cut in the middle to fit their row (the full id stays in the tooltip). */
export function fitLabels(tree: HTMLElement, fitted: Map<string, number>): void {
  for (const label of tree.querySelectorAll<HTMLElement>(".kfpsb-label[data-full]")) {
    const full = label.dataset.full ?? "";
    const width = label.clientWidth;
    if (!width) {
      continue;
    }
    const key = `${width}|${full}`;
    let chars = fitted.get(key);
    if (chars === undefined) {
      let [lo, hi] = [5, full.length];
      label.textContent = full;
      if (label.scrollWidth <= width) {
        lo = full.length;
      }
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        label.textContent = middleEllipsis(full, mid);
        if (label.scrollWidth <= width) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      chars = lo;
      fitted.set(key, chars);
    }
    label.textContent = middleEllipsis(full, chars);
  }
}

export function paramsText(label: string, values: Record<string, unknown>): string {
  const entries = Object.entries(values ?? {});
  if (!entries.length) {
    return "";
  }
  return `${label}: ${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`.slice(
    0,
    500,
  );
}

/** A label that `fitLabels` cuts in the middle to its row's width. */
export function fullLabel(text: string): HTMLElement {
  const label = el("span", "kfpsb-label kfpsb-fit", text);
  label.dataset.full = text;
  return label;
}
