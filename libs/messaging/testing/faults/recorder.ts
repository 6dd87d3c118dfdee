import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HistoryEvent } from './history.js';

export type HistoryEntry = Omit<HistoryEvent, 'process' | 'time'> & { time?: number };

/**
 * Appends a process's history events to its own file, one JSON line each, synchronously: a line written before a
 * SIGKILL is in the file (the kernel has it), so a killed worker's last delivery is still counted.
 */
export class HistoryRecorder {
  constructor(
    readonly file: string,
    readonly process: string,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  record(entry: HistoryEntry): HistoryEvent {
    const event: HistoryEvent = { ...entry, process: this.process, time: entry.time ?? Date.now() };
    appendFileSync(this.file, `${JSON.stringify(event)}\n`);
    return event;
  }
}

/** The history files of a folder (`*.jsonl`). */
export function historyFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Reads and merges history files into one history ordered by time (ties keep file order). A last line cut short by
 * a kill is skipped.
 */
export function readHistory(files: readonly string[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as HistoryEvent);
      } catch {
        // a torn last line of a killed process
      }
    }
  }
  return events.map((event, index) => ({ event, index })).sort((a, b) => a.event.time - b.event.time || a.index - b.index).map(({ event }) => event);
}
