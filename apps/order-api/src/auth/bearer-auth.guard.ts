import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { CUSTOMER_ID } from './customer-token.js';

/** Where the guard leaves the caller's customer id on the request (read with @CustomerId()). */
export const CUSTOMER_ID_KEY = Symbol('customerId');

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  [CUSTOMER_ID_KEY]?: string;
}

interface HttpResponse {
  setHeader(name: string, value: string): void;
}

/**
 * Authenticates a caller by its bearer token (RFC 6750): a JWT signed with HS256 by the order API's key, with the
 * expected audience and issuer, an expiry not past, and the customer id in `sub`. Anything else is a 401 with a
 * JSON reason and `WWW-Authenticate: Bearer`, so a client knows to get a token; the reason names what is wrong,
 * never the key. The algorithm is pinned: a token saying `alg: none` or RS256 is refused.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<HttpResponse>();
    const refuse = (message: string, error?: 'invalid_request' | 'invalid_token'): never => {
      const challenge = error ? `Bearer realm="order-api", error="${error}", error_description="${message.replace(/["\\]/g, '')}"` : 'Bearer realm="order-api"';
      response.setHeader('WWW-Authenticate', challenge);
      throw new UnauthorizedException(message);
    };
    const header = request.headers.authorization;
    if (header === undefined) return refuse('a bearer token is required: send Authorization: Bearer <token>');
    const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null;
    if (!match) return refuse('the Authorization header must be "Bearer <token>"', 'invalid_request');
    let claims: { sub?: unknown; exp?: unknown };
    try {
      claims = await this.jwt.verifyAsync(match[1]);
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'TokenExpiredError') return refuse('the bearer token has expired', 'invalid_token');
      if (name === 'NotBeforeError') return refuse('the bearer token is not valid yet', 'invalid_token');
      // jsonwebtoken's reasons: "invalid signature", "jwt malformed", "jwt audience invalid. expected: ...", ...
      return refuse(`the bearer token is not valid: ${message}`, 'invalid_token');
    }
    if (typeof claims.exp !== 'number') return refuse('the bearer token has no expiry (exp)', 'invalid_token');
    if (typeof claims.sub !== 'string' || !CUSTOMER_ID.test(claims.sub)) return refuse('the bearer token has no customer id in sub', 'invalid_token');
    request[CUSTOMER_ID_KEY] = claims.sub;
    return true;
  }
}
