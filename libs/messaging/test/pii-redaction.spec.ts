import { errorText, redactPii, redactPiiIn } from '@app/messaging';
import { errorSummary } from '../src/core/error-text.js';

describe('PII redaction', () => {
  it('replaces email addresses (any local part, Unicode too) and international phone numbers', () => {
    expect(redactPii('5.1.1 <ada.lovelace+shop@bounce.example>: no such mailbox')).toBe('5.1.1 <[email]>: no such mailbox');
    expect(redactPii('to Zoë.Ünal@bücher.example, cc bob_o\'neil@mail.co.uk')).toBe("to [email], cc [email]");
    expect(redactPii('call +44 7700 900123 or +1 (555) 010-9999, or +4915112345678')).toBe('call [phone] or [phone], or [phone]');
  });

  it('leaves what is not personal: database URLs on an IP, package versions and scopes in stack frames, ids, times, amounts', () => {
    const kept = [
      'postgres://postgres@127.0.0.1:5432/test',
      'at Router.handle (node_modules/@nestjs/core/router/router-proxy.js:9:19)',
      'pg@8.16.3',
      'order-3f2a9c4e-1b2d-4e5f-8a9b-0c1d2e3f4a5b-created',
      '2026-12-03T15:56:01.123+01:00',
      '1764400000002',
      '+12.50 EUR',
    ];
    for (const text of kept) expect(redactPii(text)).toBe(text);
  });

  it('redacts every string of a record of fields, nested, and leaves other values', () => {
    expect(redactPiiIn({ error: 'refused <a@b.example>', n: 3, nested: { list: ['+44 7700 900123', null] } })).toEqual({
      error: 'refused <[email]>',
      n: 3,
      nested: { list: ['[phone]', null] },
    });
  });

  it('error text (death history, last_error, alerts) and error summaries (log lines) are redacted, message, stack and cause', () => {
    const error = new Error('SMTP refused the mail: 550 5.1.1 <eve@bounce.example>: no such mailbox', {
      cause: new Error('Can\'t send mail - all recipients were rejected: 550 <eve@bounce.example>'),
    });
    const text = errorText(error)!;
    expect(text).not.toContain('eve@bounce.example');
    expect(text).toContain('Error: SMTP refused the mail: 550 5.1.1 <[email]>: no such mailbox');
    expect(text).toContain('Caused by: Error: Can\'t send mail - all recipients were rejected: 550 <[email]>');
    expect(text).toMatch(/\n\s+at /);
    expect(errorSummary(error)).toBe('Error: SMTP refused the mail: 550 5.1.1 <[email]>: no such mailbox');
    expect(errorText('customer +44 7700 900123 unreachable')).toBe('customer [phone] unreachable');
    expect(errorSummary({ to: 'eve@bounce.example' })).toBe('{"to":"[email]"}');
  });
});
