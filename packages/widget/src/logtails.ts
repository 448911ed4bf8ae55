// Log tails held by one view: merged from the kernel's live messages and from answers to its
// requests, each covering the last `lines.length` of `count` lines.
import type { LogTail } from "./model";

export const KEPT_LINES = 1000;

/** `held` with `incoming` merged in: lines already held are not repeated; the newest kept. */
export function mergeTail(held: LogTail | undefined, incoming: LogTail): LogTail {
  if (!held || incoming.count - incoming.lines.length >= held.count) {
    // no overlap: after what is held (or a gap the kernel no longer keeps)
    const lines = held ? [...held.lines, ...incoming.lines] : incoming.lines;
    return { lines: lines.slice(-KEPT_LINES), count: incoming.count };
  }
  if (incoming.count <= held.count) {
    return held; // nothing newer
  }
  const start = held.count - (incoming.count - incoming.lines.length);
  const lines = [...held.lines, ...incoming.lines.slice(start)];
  return { lines: lines.slice(-KEPT_LINES), count: incoming.count };
}

/** A log file's tail as a LogTail (the file may hold more lines than `count` says). */
export function tailOfText(text: string, count: number): LogTail {
  const lines = text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") {
    lines.pop();
  }
  const kept = lines.slice(-KEPT_LINES);
  return { lines: kept, count: Math.max(count, kept.length) };
}
