import { Catch, type ArgumentsHost, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { BaseRpcExceptionFilter, RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { MessagingContext } from './messaging.context.js';

/** What Nest's RPC filter answers for an error that is not an RpcException. */
const UNKNOWN_ERROR = { status: 'error', message: 'Internal server error' };

/**
 * Keeps the real error of a failing handler for the death history (Nest's default RPC filter replaces unknown
 * errors with "Internal server error" before the transport sees them), and leaves the logging to the transport: one
 * line per failed attempt, where Nest's filter logs the whole error object (a nodemailer 451 error: 36 lines a
 * time). Replies to requests are unchanged: an RpcException's error, else Nest's generic one.
 *
 * On a microservice: `app.useGlobalFilters(new MessagingExceptionFilter())`. In a hybrid app (whose connected
 * microservices are initialised at once, so their own filters cannot be set), register it on the app with the HTTP
 * adapter, which it uses for HTTP errors as Nest's default filter does; `connectMessagingServer` does both.
 */
@Catch()
export class MessagingExceptionFilter extends BaseRpcExceptionFilter {
  private readonly http: BaseExceptionFilter | null;

  constructor(httpAdapter?: HttpServer) {
    super();
    this.http = httpAdapter ? new BaseExceptionFilter(httpAdapter) : null;
  }

  override catch(exception: unknown, host: ArgumentsHost): Observable<unknown> {
    if (host.getType() !== 'rpc' && this.http) {
      this.http.catch(exception, host);
      return undefined as unknown as Observable<unknown>;
    }
    const context = host.getArgByIndex(1) as unknown;
    if (!(context instanceof MessagingContext)) return super.catch(exception, host);
    context.recordFailure(exception);
    if (exception instanceof RpcException) return super.catch(exception, host);
    return throwError(() => UNKNOWN_ERROR);
  }
}
