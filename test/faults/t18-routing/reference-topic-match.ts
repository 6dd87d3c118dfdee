/**
 * An independent reference for RabbitMQ's topic exchange, written from its documented rules, not from the library:
 * "a routing key must be a list of words, delimited by dots"; in a binding "* (star) can substitute for exactly one
 * word" and "# (hash) can substitute for zero or more words" (https://www.rabbitmq.com/tutorials/tutorial-five-javascript).
 * Only a whole word `*` or `#` of a binding is a wildcard; every word of a routing key is literal. The empty key
 * has zero words (RabbitMQ's routing_SUITE: '' is matched by '#' and by '' only).
 *
 * A table over prefixes, where the library walks the words with backtracking: matched[j] says whether the pattern
 * words seen so far match the first j key words.
 */
export function referenceTopicMatch(pattern: string, key: string): boolean {
  const p = words(pattern);
  const k = words(key);
  let matched = k.map(() => false);
  matched.unshift(true);
  for (const word of p) {
    const next = new Array<boolean>(k.length + 1).fill(false);
    for (let j = 0; j <= k.length; j++) {
      if (word === '#') next[j] = matched[j] || (j > 0 && next[j - 1]);
      else next[j] = j > 0 && matched[j - 1] && (word === '*' || word === k[j - 1]);
    }
    matched = next;
  }
  return matched[k.length];
}

function words(text: string): string[] {
  return text === '' ? [] : text.split('.');
}
