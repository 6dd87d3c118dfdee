// One conformance suite every MessageBroker driver passes (River's riverdrivertest): a spec file per driver calls
// describeDriverConformance with a factory of isolated brokers. Cases branch on the driver's capabilities, never
// on its name. Routing runs first: its queues bound to '#' are gone before the other cases publish.
import { describeAdminBrowse } from './cases/admin-browse.js';
import { describeAdminControl } from './cases/admin-control.js';
import { describeCapabilities } from './cases/capabilities.js';
import { describeConsumers } from './cases/consumers.js';
import { describeFailures } from './cases/failures.js';
import { describeNestTransport } from './cases/nest-transport.js';
import { describeOutboxRelay } from './cases/outbox-relay.js';
import { describePublishing } from './cases/publishing.js';
import { describeRequestReply } from './cases/request-reply.js';
import { describeRouting } from './cases/routing.js';
import { describeTopologyAndHealth } from './cases/topology-and-health.js';
import { conformanceContext } from './conformance-context.js';
import type { DriverFactory } from './driver-factory.js';

export type { ChildBrokerModule, DriverFactory, DriverUnderTest } from './driver-factory.js';
export { CAPABILITY_NOT_SUPPORTED } from './cases/capabilities.js';

/** Registers the whole suite for one driver: `name` titles it, `factory` gives this file its isolated broker. */
export function describeDriverConformance(name: string, factory: DriverFactory): void {
  describe(`MessageBroker conformance: ${name}`, () => {
    const ctx = conformanceContext(factory, `conformance_${name}`);
    describeRouting(ctx);
    describeTopologyAndHealth(ctx);
    describePublishing(ctx);
    describeConsumers(ctx);
    describeFailures(ctx);
    describeRequestReply(ctx);
    describeCapabilities(ctx);
    describeNestTransport(ctx);
    describeOutboxRelay(ctx);
    describeAdminBrowse(ctx);
    describeAdminControl(ctx);
  });
}
