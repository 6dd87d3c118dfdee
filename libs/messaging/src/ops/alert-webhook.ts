import { errorText } from '../core/error-text.js';

/** Posts `{ text }` to a Slack-compatible incoming webhook; throws when it is unreachable or refuses. */
export async function postAlertWebhook(url: string, body: { text: string }): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: unknown) => {
    throw new Error(`Alert webhook unreachable: ${errorText(error)}`);
  });
  if (!response.ok) throw new Error(`Alert webhook answered ${response.status}`);
}
