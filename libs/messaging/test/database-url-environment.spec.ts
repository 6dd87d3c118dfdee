import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, readFlag, requireDatabaseUrl } from '../src/index.js';

describe('database settings from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgm-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts DATABASE_PASSWORD, or the content of DATABASE_PASSWORD_FILE, in a URL that has no password, encoded', () => {
    const file = join(dir, 'password');
    writeFileSync(file, 's3cr@t/:x\n');
    expect(requireDatabaseUrl('BROKER_DATABASE_URL', { BROKER_DATABASE_URL: 'postgres://order_api@db:5432/broker', DATABASE_PASSWORD_FILE: file })).toBe(
      'postgres://order_api:s3cr%40t%2F%3Ax@db:5432/broker',
    );
    expect(requireDatabaseUrl('X_URL', { X_URL: 'postgres://a@h/d', DATABASE_PASSWORD: 'p' })).toBe('postgres://a:p@h/d');
  });

  it('keeps a URL that has its own password, and a URL when no password is set', () => {
    expect(requireDatabaseUrl('X_URL', { X_URL: 'postgres://a:mine@h/d', DATABASE_PASSWORD: 'other' })).toBe('postgres://a:mine@h/d');
    expect(requireDatabaseUrl('X_URL', { X_URL: 'postgres://a@h/d' })).toBe('postgres://a@h/d');
  });

  it('refuses a missing setting, and a password for what is not a URL', () => {
    expect(() => requireDatabaseUrl('X_URL', {})).toThrow(InvalidArgumentError);
    expect(() => requireDatabaseUrl('X_URL', { X_URL: 'not a url', DATABASE_PASSWORD: 'p' })).toThrow('X_URL is not a URL');
  });

  it('reads a flag: unset gives the default, true/1/yes and false/0/no in any case, anything else is refused', () => {
    expect(readFlag('MIGRATE_ON_START', true, {})).toBe(true);
    expect(readFlag('MIGRATE_ON_START', true, { MIGRATE_ON_START: 'FALSE' })).toBe(false);
    expect(readFlag('MIGRATE_ON_START', false, { MIGRATE_ON_START: 'yes' })).toBe(true);
    expect(readFlag('MIGRATE_ON_START', true, { MIGRATE_ON_START: '0' })).toBe(false);
    expect(() => readFlag('MIGRATE_ON_START', true, { MIGRATE_ON_START: 'off' })).toThrow('MIGRATE_ON_START must be true or false, got "off"');
  });
});
