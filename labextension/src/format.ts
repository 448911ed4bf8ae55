/** Small display helpers shared by the sidebar and the main-area views. */

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED', 'SKIPPED', 'CACHED']);

const GLYPHS: Record<string, string> = {
  PENDING: '○',
  RUNNING: '◐',
  SUCCEEDED: '✓',
  CACHED: '✓',
  FAILED: '✗',
  CANCELLED: '⊘',
  INTERRUPTED: '!',
  SKIPPED: '↷'
};

/** A status badge: a glyph coloured by the state, with the state as its title. */
export function statusIcon(status: string): HTMLElement {
  const span = el('span', `kfpsb-status kfpsb-status-${status}`, GLYPHS[status] ?? '?');
  span.title = status;
  return span;
}

/** Seconds as `850 ms`, `4.2 s`, `3m 05s`, `1h 02m`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || seconds < 0) {
    return '';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const m = Math.floor(seconds / 60);
  if (m < 60) {
    return `${m}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  }
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Duration of something started at `start` (epoch s): finished, or still running now. */
export function elapsed(start: number | null, end: number | null): number | null {
  if (start === null) {
    return null;
  }
  return (end ?? Date.now() / 1000) - start;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

export function formatTime(epoch: number): string {
  return new Date(epoch * 1000).toLocaleString();
}

/** document.createElement with a class and text (never innerHTML: names come from users). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
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
  const button = el('button', 'kfpsb-action', label);
  button.title = title;
  button.setAttribute('aria-label', title);
  button.addEventListener('click', event => {
    event.stopPropagation();
    action();
  });
  return button;
}
