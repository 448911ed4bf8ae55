/** Small DOM helpers of the sidebar and its main-area views. */
import { statusColour, statusGlyph } from "@kfp-notebook/shared";

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
