import nodemailer, { type Transporter } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** A Message-ID fixed per event, so a receiving system can also recognise a repeat. */
  messageId: string;
}

/** The SMTP reply of a permanent failure (a 5xx `responseCode` from nodemailer), or null for anything else. */
export function permanentSmtpFailure(error: unknown): string | null {
  const { responseCode, response } = (error ?? {}) as { responseCode?: unknown; response?: unknown };
  if (typeof responseCode !== 'number' || responseCode < 500 || responseCode > 599) return null;
  return typeof response === 'string' ? response : String(responseCode);
}

/**
 * True when the SMTP server definitely did not take the mail: it answered with a refusal (4xx, 5xx: nodemailer's
 * `responseCode`), or the connection was never made (nodemailer's `command` 'CONN'). Anything else (a timeout, a
 * connection lost in the middle of DATA) leaves the send in doubt: the server may have the mail.
 */
export function definitelyNotSent(error: unknown): boolean {
  const { responseCode, command } = (error ?? {}) as { responseCode?: unknown; command?: unknown };
  return typeof responseCode === 'number' || command === 'CONN';
}

/** Sends mail over SMTP with nodemailer. */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId });
  }

  close(): void {
    this.transport.close();
  }
}
