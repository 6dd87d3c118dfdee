// The development mail catcher as a process: SMTP on PORT (default 1025); prints each mail it receives.
import { startSmtpCatcher } from './smtp-catcher.js';

const catcher = await startSmtpCatcher({
  port: Number(process.env.PORT ?? 1025),
  onMail: (mail) => console.log(`mail to ${mail.to.join(', ')}: ${mail.subject}`),
  onConnectionError: (error) => console.log(`connection from ${error.remoteAddress ?? 'a client'} failed (${error.message}); its unfinished mail is dropped`),
});
console.log(`smtp-catcher listening on ${catcher.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void catcher.close().then(() => process.exit(0)));
