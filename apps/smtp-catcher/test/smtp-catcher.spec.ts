import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { freePort, TsProcess, waitFor } from '@app/messaging/testing';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/**
 * A raw SMTP client that goes away in the middle of DATA, as a client whose connection resets does. It answers each
 * reply from the socket's own 'data' event and ends the socket right after writing the body, so lines are still in
 * flight when the connection goes (the catcher's read then fails with ECONNRESET after a reset).
 */
function abandonMidData(port: number, end: (socket: Socket) => void): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  const commands = ['EHLO reset.test', 'MAIL FROM:<a@example.com>', 'RCPT TO:<b@example.com>', 'DATA'];
  const expected = ['220', '250', '250', '250', '354'];
  let pending = '';
  return new Promise((resolve, reject) => {
    socket.on('error', () => {});
    socket.once('close', () => (expected.length === 0 ? resolve() : reject(new Error(`closed while waiting for ${expected[0]}`))));
    socket.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\r\n');
      pending = lines.pop()!;
      for (const line of lines.filter((l) => /^\d{3} /.test(l))) {
        if (!line.startsWith(expected.shift()!)) return reject(new Error(`unexpected reply ${line}`));
        const command = commands.shift();
        if (command) socket.write(`${command}\r\n`);
        else {
          socket.write(`Subject: half a mail\r\n\r\n${'a line of the body\r\n'.repeat(100_000)}`);
          end(socket);
        }
      }
    });
  });
}

describe('smtp-catcher (the process npm start runs)', () => {
  let catcher: TsProcess;
  let port: number;

  beforeEach(async () => {
    port = await freePort();
    catcher = new TsProcess(MAIN, { PORT: String(port) });
    await catcher.waitForEvents('text');
  });
  afterEach(async () => {
    catcher.kill();
    await catcher.exited;
  });

  it.each([
    ['reset (RST) with lines in flight', (socket: Socket) => socket.resetAndDestroy()],
    ['destroyed', (socket: Socket) => socket.destroy()],
  ])('survives a client connection %s in the middle of DATA (20 times), and accepts the next mail', async (_how, end) => {
    // Whether the catcher's read sees the reset depends on where the lines are when it comes: do it a few times.
    for (let i = 0; i < 20; i++) await abandonMidData(port, end);
    const transport = nodemailer.createTransport({ url: `smtp://127.0.0.1:${port}` });
    const info = await transport.sendMail({ from: 'shop@example.com', to: 'ada@example.com', subject: 'after the reset', text: 'hello' });
    expect(info.accepted).toEqual(['ada@example.com']);
    const printed = () => catcher.events.some((e) => String(e.line).includes('mail to ada@example.com: after the reset'));
    await waitFor(() => printed() || catcher.child.exitCode !== null, { what: 'the mail line' });
    expect(catcher.child.exitCode).toBeNull();
    expect(catcher.errorOutput).not.toMatch(/Error|at /);
  });
});
