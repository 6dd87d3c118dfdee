import { createServer, type Server } from 'node:http';

export interface RunningWebhookReceiver {
  url: string;
  /** Every JSON body posted, in order. */
  posts: { text: string }[];
  close(): Promise<void>;
}

/** A real HTTP server standing in for an alert webhook (Slack): records every JSON body posted to it. */
export async function startWebhookReceiver(): Promise<RunningWebhookReceiver> {
  const posts: { text: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      posts.push(JSON.parse(body));
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks/alerts`, posts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
