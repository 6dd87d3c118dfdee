import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { CUSTOMER_ID_KEY, type AuthenticatedRequest } from './bearer-auth.guard.js';

/** The authenticated caller's customer id (the token's `sub`), set by BearerAuthGuard. */
export const CustomerId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const customerId = context.switchToHttp().getRequest<AuthenticatedRequest>()[CUSTOMER_ID_KEY];
  // A route without the guard is a programming error, not a client's: fail loudly rather than serve no one's orders.
  if (customerId === undefined) throw new Error('@CustomerId() used on a route without BearerAuthGuard');
  return customerId;
});
