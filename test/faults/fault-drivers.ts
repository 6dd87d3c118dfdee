// Which brokers a fault test runs on: PostgreSQL always, RabbitMQ where RABBITMQ_URL is set. Without it the RabbitMQ
// part says so in a line on the console (T03's RabbitMQ-only file is left out by tools/specs-not-run.js).
import { reportDidNotRun, rabbitmqUrl, waitFor, type TsProcess } from '@app/messaging/testing';
import type { FaultDriverName } from '@app/messaging/testing/faults';

/** `describe` once per driver in `drivers`, its title prefixed by the driver; the body gets the driver's name. */
export function describeOnFaultDrivers(title: string, drivers: readonly FaultDriverName[], body: (driver: FaultDriverName) => void): void {
  for (const driver of drivers) {
    if (driver === 'rabbitmq' && !rabbitmqUrl()) {
      reportDidNotRun(`RabbitMQ: ${title}`, 'RABBITMQ_URL is not set');
      continue;
    }
    describe(`${driver === 'rabbitmq' ? 'RabbitMQ' : 'PostgreSQL'}: ${title}`, () => body(driver));
  }
}

/** The smoke value on PostgreSQL, a smaller one on RabbitMQ where the CI time budget asks for it. */
export const onDriver = <T>(driver: FaultDriverName, values: { postgres: T; rabbitmq: T }): T => values[driver];

/**
 * Waits until `workers` together reported `count` acks; returns when. Where counts() lags (RabbitMQ: another
 * process's held messages show with the server's next statistics) a test that knows how many acks end it waits for
 * them instead of draining.
 */
export async function waitForAcks(workers: readonly TsProcess[], count: number, timeoutMs: number): Promise<number> {
  await waitFor(() => workers.reduce((n, w) => n + w.named('acked').length, 0) >= count, { timeoutMs, intervalMs: 50, what: `${count} acks` });
  return Date.now();
}
