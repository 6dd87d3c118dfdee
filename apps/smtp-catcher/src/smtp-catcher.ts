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
 * A local SMTP server that keeps every mail in memory: the development mail catcher the launcher starts, and a real
 * SMTP peer for tests. It refuses recipients at `rejectDomains`. No authentication, no TLS: bind it to localhost.
 */
export async function startSmtpCatcher(
  options: {
    port?: number;
    host?: string;
    onMail?: (mail: CaughtMail) => void;
    /** A client connection that failed (e.g. reset in the middle of a mail, which is then dropped). */
    onConnectionError?: (error: Error & { remoteAddress?: string }) => void;
    rejectDomains?: string[];
  } = {},
): Promise<RunningSmtpCatcher> {
  // Recipients at these domains get a permanent 550, like a mailbox that does not exist (the demo's failing mail).
  const rejectDomains = options.rejectDomains ?? ['bounce.example'];
  const mails: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 1024 * 1024,
    logger: false,
    onRcptTo(address, _session, callback) {
      const domain = address.address.split('@').pop()?.toLowerCase() ?? '';
      if (rejectDomains.includes(domain)) return callback(Object.assign(new Error(`5.1.1 <${address.address}>: no such mailbox`), { responseCode: 550 }));
      callback();
    },
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
  // smtp-server re-emits a connection's socket error (ECONNRESET in the middle of DATA) on the server: without a
  // listener that would end the process, and every later mail would fail.
  server.on('error', (error: Error & { remoteAddress?: string }) => options.onConnectionError?.(error));
  const { port } = server.server.address() as { port: number };
  return { url: `smtp://${host}:${port}`, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
