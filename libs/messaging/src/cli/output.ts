// Where results go: a table for people (default) or JSON for scripts (--json) on stdout; notes on stderr.
import Table from 'cli-table3';

export type Cell = string | number | boolean | null | undefined;

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** The command's one JSON document (--json), or the table `render` draws from it. */
  result(value: unknown, render: () => void): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else render();
  }

  /** One JSON line (tail --json): scripts read one message per line as it comes. */
  jsonLine(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  table(head: string[], rows: Cell[][]): void {
    const table = new Table({ head, style: { head: [], border: [] } });
    table.push(...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : cell))));
    this.stdout.write(`${table.toString()}\n`);
  }

  /** A two-column table of one thing's fields. */
  fields(rows: [string, Cell][]): void {
    const table = new Table({ style: { head: [], border: [] } });
    table.push(...rows.map(([name, value]) => ({ [name]: value === null || value === undefined ? '' : value })));
    this.stdout.write(`${table.toString()}\n`);
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Human remarks that are not the result (so `--json` output stays one document). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

/** A payload or error shortened for a table cell. */
export function preview(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Seconds as "3s", "4m 05s", "2h 10m". */
export function age(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
