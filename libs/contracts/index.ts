// The message contracts of the order system (@app/contracts): routing keys and payload types, one definition each.
export * from './order-events.js';
