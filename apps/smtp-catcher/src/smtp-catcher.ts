import { SMTPServer } from 'smtp-server';

/** A mail the catcher received: envelope, the main headers, and the raw message. */
export interface CaughtMail {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
}

export interface RunningSmtpCatcher {
  /** smtp://host:port, for nodemailer. */
  url: string;
  mails: CaughtMail[];
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/**
 * A local SMTP server that accepts every mail and keeps it in memory: the development mail catcher the launcher
 * starts, and a real SMTP peer for tests. No authentication, no TLS: bind it to localhost only.
 */
export async function startSmtpCatcher(options: { port?: number; host?: string; onMail?: (mail: CaughtMail) => void } = {}): Promise<RunningSmtpCatcher> {
  const mails: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        const mail: CaughtMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          messageId: header(raw, 'Message-ID'),
          raw,
        };
        mails.push(mail);
        options.onMail?.(mail);
        callback();
      });
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  return { url: `smtp://${host}:${port}`, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
