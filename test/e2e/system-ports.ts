import { freePort } from '@app/messaging/testing';
import type { SystemPorts } from '../../scripts/system/start-system.js';

/** A free port for every service of the system, so that tests run beside each other and beside npm start. */
export async function freeSystemPorts(): Promise<SystemPorts> {
  return {
    orderApi: await freePort(),
    orderApiOps: await freePort(),
    paymentWorker: await freePort(),
    notificationWorker: await freePort(),
    paymentProvider: await freePort(),
    smtp: await freePort(),
  };
}
