import type { BrokerCapabilities } from '../../driver/capabilities.js';
import { MESSAGE_STATES } from '../../driver/admin-types.js';

/**
 * PostgreSQL does all of it: leases are rows, deduplication and delays are columns, the topology is tables, and
 * activity counts are rows every process upserts.
 */
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
  browseStates: MESSAGE_STATES,
  browseDepth: null,
  activityRates: true,
  pausedConsumersCounted: true,
});
