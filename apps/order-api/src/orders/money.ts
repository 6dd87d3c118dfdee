/**
 * Exact decimal amounts for prices and totals: kept as strings, computed in integer minor units (BigInt), never as
 * floating point. A currency's minor units (2 for EUR, 0 for JPY, 3 for KWD) bound the decimals a price may have.
 */

/** The largest amount the database holds, in minor units (a PostgreSQL bigint). */
export const MAX_MINOR_UNITS = 2n ** 63n - 1n;

const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d+))?$/;

/** Parses a non-negative decimal (string or number) into minor units; null if it is not one or has too many decimals. */
export function toMinorUnits(amount: string | number, digits: number): bigint | null {
  const text = typeof amount === 'number' ? (Number.isFinite(amount) && amount >= 0 ? String(amount) : '') : amount;
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  return BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
}

/** Formats minor units as a decimal string with exactly `digits` decimals. */
export function formatMinorUnits(units: bigint, digits: number): string {
  if (digits === 0) return units.toString();
  const text = units.toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
