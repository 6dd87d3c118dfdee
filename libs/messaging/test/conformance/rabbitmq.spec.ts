// The conformance suite on the RabbitMQ driver, on RABBITMQ_URL (a fresh vhost per file). Without RABBITMQ_URL the
// Jest config leaves this file out and says so (tools/specs-not-run.js).
import { reportDidNotRun, describeDriverConformance, rabbitmqUrl } from '../../testing/index.js';
import { rabbitMqDriverFactory } from './rabbitmq-driver.js';

if (!rabbitmqUrl()) {
  reportDidNotRun('RabbitMQ conformance', 'RABBITMQ_URL is not set');
} else {
  describeDriverConformance('rabbitmq', rabbitMqDriverFactory());
}
