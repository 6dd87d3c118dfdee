import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';

function parseQueryInt(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) throw new BadRequestException([`${name} must be a whole number from ${min} to ${max}, in digits`]);
  return number;
}

/**
 * A query parameter that must be a whole number in plain digits, from `min` to `max`, or absent (then `fallback`).
 * Nest's ParseIntPipe reads `1e2` as 1, and the global ValidationPipe's `transform` turns `1e2` into 100 before a
 * parameter pipe sees it; a custom decorator reads the raw text instead (the ValidationPipe skips custom ones), and
 * refuses exponents, hex, signs, spaces, decimals and a parameter given twice.
 */
export const QueryInt = createParamDecorator((options: { name: string; min: number; max: number; fallback: number }, context: ExecutionContext) => {
  const query = context.switchToHttp().getRequest<{ query: Record<string, unknown> }>().query;
  return parseQueryInt(query[options.name], options.name, options.min, options.max, options.fallback);
});
