// Display formatting shared by the widget and the sidebar.
import { FAILURE_TAIL_MARKER } from "./model.generated";

/** Bytes in binary units: `512 B`, `1.5 KiB`, `3.0 MiB`. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Math.max(0, n);
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[i]}`;
}

/** Seconds as `850 ms`, `4.2 s`, `3m 05s`, `1h 02m`; empty for null or negative. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return "";
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  }
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Seconds from `start` to `end` (epoch seconds), or to `now` while not finished. */
export function elapsed(
  start: number | null | undefined,
  end: number | null | undefined,
  now: number = Date.now() / 1000,
): number | null {
  if (start === null || start === undefined) {
    return null;
  }
  return Math.max(0, (end ?? now) - start);
}

export function formatTime(epoch: number): string {
  return new Date(epoch * 1000).toLocaleString();
}

/** A value in a table cell: objects as JSON, null and undefined as nothing. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  if (typeof value === "object") {
    return JSON.stringify(value);
  }
  return String(value);
}

/** `text` cut in the middle to at most `max` characters (`quickstart-2…-0645-ab12`). */
export function middleEllipsis(text: string, max: number): string {
  if (text.length <= max || max < 5) {
    return text;
  }
  const tail = Math.floor((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** `1 run`, `2 runs`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * What failed, without the log lines a failed task's message quotes (a view showing the log
 * beside it shows this); a message of another kind, whole.
 */
export function failureHeadline(message: string): string {
  const at = message.indexOf(FAILURE_TAIL_MARKER);
  return at < 0 ? message : message.slice(0, at);
}
