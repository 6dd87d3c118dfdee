export { createServiceDatabase, TEST_SERVICE_SCHEMA as SERVICE_SCHEMA, type ServiceDatabase } from '@app/messaging/testing';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const between = (min: number, max: number) => min + Math.random() * (max - min);
