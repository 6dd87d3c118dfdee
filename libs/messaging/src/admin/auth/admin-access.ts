import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { AdminActor, AdminRole } from './admin-tokens.js';

/** Reads (queues, messages, topology, audit): any viewer or operator. */
export const READ_ROLES: readonly AdminRole[] = ['viewer', 'operator'];
/** Actions (redrive, purge, delete, pause, thresholds): operators only. */
export const ACTION_ROLES: readonly AdminRole[] = ['operator'];

export const ADMIN_ROLES_KEY = 'messaging-admin:roles';

/** The roles of which a caller needs one for this route (AdminAuthGuard checks). Without it: READ_ROLES. */
export const RequireRole = (...roles: AdminRole[]) => SetMetadata(ADMIN_ROLES_KEY, roles);

/** The request property where the guard puts the caller. */
export const ACTOR_PROPERTY = 'messagingAdminActor';

/** The caller the guard identified. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActor => context.switchToHttp().getRequest()[ACTOR_PROPERTY]);

/** Payloads are shown to operators and to holders of payload:read; others see them redacted. */
export function maySeePayloads(actor: AdminActor): boolean {
  return actor.roles.includes('operator') || actor.roles.includes('payload:read');
}
