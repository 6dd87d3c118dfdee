import type { BrokerCapabilities } from '../../driver/capabilities.js';

/** PostgreSQL does all of it: leases are rows, deduplication and delays are columns, the topology is tables. */
export const POSTGRES_CAPABILITIES: BrokerCapabilities = Object.freeze({
  leaseExtension: true,
  leaseExpiry: true,
  deduplicationWindow: true,
  delayedMessages: 'exact',
  browseWithoutConsuming: true,
  atomicBatchPublish: true,
  transactionalPublish: true,
  pull: true,
  queueUpdate: true,
  topologyIntrospection: true,
});
