/** What a tally found wrong: ids handled more than once, ids never handled, ids outside 0..expected-1. */
export interface TallyVerdict {
  expected: number;
  handled: number;
  duplicates: number;
  missing: number;
  unexpected: number;
  /** A few offending ids of each kind, for the error message. */
  examples: { duplicates: number[]; missing: number[]; unexpected: number[] };
}

const EXAMPLES = 5;

/** Counts handler calls per message id (0..expected-1). One byte per id, so a 1M backlog costs 1 MB. */
export class DeliveryTally {
  private readonly counts: Uint8Array;
  private readonly unexpectedIds: number[] = [];
  private outOfRange = 0;
  handled = 0;

  constructor(readonly expected: number) {
    this.counts = new Uint8Array(expected);
  }

  record(id: number): void {
    this.handled++;
    if (Number.isInteger(id) && id >= 0 && id < this.expected) {
      if (this.counts[id] < 255) this.counts[id]++;
    } else {
      this.outOfRange++;
      if (this.unexpectedIds.length < EXAMPLES) this.unexpectedIds.push(id);
    }
  }

  verdict(): TallyVerdict {
    const verdict: TallyVerdict = {
      expected: this.expected,
      handled: this.handled,
      duplicates: 0,
      missing: 0,
      unexpected: this.outOfRange,
      examples: { duplicates: [], missing: [], unexpected: [...this.unexpectedIds] },
    };
    this.counts.forEach((count, id) => {
      if (count === 0) {
        verdict.missing++;
        if (verdict.examples.missing.length < EXAMPLES) verdict.examples.missing.push(id);
      } else if (count > 1) {
        verdict.duplicates++;
        if (verdict.examples.duplicates.length < EXAMPLES) verdict.examples.duplicates.push(id);
      }
    });
    return verdict;
  }
}

export function isClean(verdict: TallyVerdict): boolean {
  return verdict.duplicates === 0 && verdict.missing === 0 && verdict.unexpected === 0;
}

/** One line saying what went wrong, or null when every id was handled exactly once. */
export function describeVerdict(verdict: TallyVerdict, where: string): string | null {
  if (isClean(verdict)) return null;
  const parts = [
    verdict.duplicates > 0 && `${verdict.duplicates} duplicated (e.g. ids ${verdict.examples.duplicates.join(', ')})`,
    verdict.missing > 0 && `${verdict.missing} missing (e.g. ids ${verdict.examples.missing.join(', ')})`,
    verdict.unexpected > 0 && `${verdict.unexpected} unexpected deliveries (e.g. ids ${verdict.examples.unexpected.join(', ')})`,
  ].filter(Boolean);
  return `${where}: ${verdict.handled} handler calls for ${verdict.expected} messages: ${parts.join('; ')}`;
}
