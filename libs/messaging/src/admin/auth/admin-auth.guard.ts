import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACTOR_PROPERTY, ADMIN_ROLES_KEY, READ_ROLES } from './admin-access.js';
import { AdminTokenRegistry, type AdminRole } from './admin-tokens.js';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/**
 * Every admin route: 401 without a known bearer token (with `WWW-Authenticate`), 403 when its roles lack the
 * route's. Runs before the handler, so a refused request changes nothing.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: AdminTokenRegistry,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    const header = request.headers?.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    const actor = match ? this.tokens.find(match[1]) : null;
    if (!actor) {
      context.switchToHttp().getResponse().setHeader?.('WWW-Authenticate', 'Bearer realm="messaging-admin"');
      throw new UnauthorizedException(match ? 'The bearer token is not known' : 'An Authorization: Bearer <token> header is required');
    }
    const needed = this.reflector.getAllAndOverride<AdminRole[] | undefined>(ADMIN_ROLES_KEY, [context.getHandler(), context.getClass()]) ?? READ_ROLES;
    if (!needed.some((role) => actor.roles.includes(role))) {
      throw new ForbiddenException(`This needs the role ${needed.join(' or ')}; ${actor.name} has ${actor.roles.join(', ')}`);
    }
    request[ACTOR_PROPERTY] = actor;
    return true;
  }
}
