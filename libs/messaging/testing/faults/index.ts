// The fault-injection harness (reliability.md §5.1): fixtures that break things on purpose, and checkers that count
// what was lost or doubled. Tests live in test/faults/.
export { faultProfile, recordFaultReport, sized, type FaultFigures, type FaultProfile, type FaultReport } from './figures.js';
export type { HistoryEvent, OpName, OpOutcome } from './history.js';
export {
  checkOrderLedger,
  orderLedgerViolations,
  type CaughtMailRecord,
  type ClientOrder,
  type OrderLedgerFigures,
  type OrderLedgerInput,
  type ProviderCharge,
} from './order-ledger.js';
export { startFaultProxy, type FaultMode, type FaultProxy, type FaultProxyStats } from './fault-proxy.js';
