import { browseStatements, type BrowseStatements } from './browse.js';
import { claimStatements, type ClaimStatements } from './claim.js';
import { deadLetterAdminStatements, type DeadLetterAdminStatements } from './dead-letter-admin.js';
import { deadLetterEventStatements, type DeadLetterEventStatements } from './dead-letter-events.js';
import { deduplicationStatements, type DeduplicationStatements } from './deduplication.js';
import { inspectionStatements, type InspectionStatements } from './inspection.js';
import { operationsStatements, type OperationsStatements } from './operations.js';
import { publishStatements, type PublishStatements } from './publish.js';
import { queueExpiryStatements, type QueueExpiryStatements } from './queue-expiry.js';
import { settleStatements, type SettleStatements } from './settle.js';
import { statementContext } from './statement-context.js';
import { topologyStatements, type TopologyStatements } from './topology.js';

export { CLAIM_SIZES, claimSize } from './claim.js';
export { DEAD_LETTER_WAKE_UP } from './dead-letter-events.js';
export { ACTIVITY_BUCKET_SECONDS, PAUSE_WAKE_UP, type ActivityColumns } from './operations.js';
export type { NackColumns } from './settle.js';
export type { QueueRowInput } from './topology.js';

/** Every statement family of the broker, as one object: what the Broker's parts are given. */
export interface BrokerStatements
  extends TopologyStatements,
    PublishStatements,
    DeduplicationStatements,
    ClaimStatements,
    SettleStatements,
    DeadLetterEventStatements,
    QueueExpiryStatements,
    DeadLetterAdminStatements,
    InspectionStatements,
    BrowseStatements,
    OperationsStatements {}

/**
 * Every statement the broker runs, rendered for one schema (see StatementContext); each family lives in its own
 * file of this folder. The statements only build SqlStatements: nothing here touches a connection.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the families' methods are assigned in the constructor
export class BrokerStatements {
  /** The schema's wake-up channel (the LISTEN side). */
  readonly channel: string;

  constructor(schema: string, options: { prepared?: boolean } = {}) {
    const ctx = statementContext(schema, options);
    this.channel = ctx.channel;
    Object.assign(
      this,
      topologyStatements(ctx),
      publishStatements(ctx),
      deduplicationStatements(ctx),
      claimStatements(ctx),
      settleStatements(ctx),
      deadLetterEventStatements(ctx),
      queueExpiryStatements(ctx),
      deadLetterAdminStatements(ctx),
      inspectionStatements(ctx),
      browseStatements(ctx),
      operationsStatements(ctx),
    );
  }
}
