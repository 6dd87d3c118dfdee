import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { PgContext } from './pg.context.js';

/**
 * Keeps the real error of a failing handler for the death history (Nest's default RPC filter replaces unknown
 * errors with "Internal server error" before the transport sees them). Register it on the microservice:
 * `app.useGlobalFilters(new MessagingExceptionFilter())`. Replies to requests are unchanged: an RpcException's
 * error, else Nest's generic one.
 */
@Catch()
export class MessagingExceptionFilter extends BaseRpcExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    const context = host.getArgByIndex(1) as unknown;
    if (context instanceof PgContext) context.failure = exception;
    return super.catch(exception, host);
  }
}
