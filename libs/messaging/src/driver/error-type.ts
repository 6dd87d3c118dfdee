/**
 * The error type shown for a dead letter: the class name an error's text starts with (`errorText` writes
 * `Name: message`), 'none' without error text, 'unknown' for text of another form (a thrown string). The pattern
 * is a PostgreSQL and JavaScript regular expression, so the PostgreSQL driver groups by it in SQL.
 */
export const ERROR_TYPE_PATTERN = '^([A-Za-z_$][A-Za-z0-9_$]*):';

const ERROR_TYPE = new RegExp(ERROR_TYPE_PATTERN);

export function errorTypeOf(text: string | null): string {
  if (text === null) return 'none';
  return ERROR_TYPE.exec(text)?.[1] ?? 'unknown';
}
