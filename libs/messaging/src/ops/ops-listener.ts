import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, NotFoundException, SetMetadata, type CanActivate, type ExecutionContext, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { assertIntegerInRange } from '../validation/numbers.js';

/** Injection token of the ops listener's options (OpsModule.forRoot provides them). */
export const OPS_LISTENER_OPTIONS = Symbol('OPS_LISTENER_OPTIONS');

export interface OpsListenerOptions {
  /** Port of the ops listener (health and metrics); 0 picks a free one (tests). */
  port: number;
  /** Address it binds. Default '0.0.0.0' (a container's probes and Prometheus reach it); '127.0.0.1' keeps it on the machine. */
  host?: string;
}

/** The paths of the ops endpoints: HealthController's and MetricsController's. */
export const OPS_PATHS = /^\/(health|metrics)(?:[/?]|$)/;

const OPS_ENDPOINT = Symbol('opsEndpoint');

/** Marks a controller as an ops endpoint (HealthController and MetricsController are): served on the ops port only. */
export const OpsEndpoint = (): ClassDecorator => SetMetadata(OPS_ENDPOINT, true);

/** Marks a request that came in through the ops listener. */
const VIA_OPS_LISTENER = Symbol('viaOpsListener');

type MarkedRequest = IncomingMessage & { [VIA_OPS_LISTENER]?: true };

/**
 * A second HTTP listener, on its own port, that serves the app's ops endpoints (`/health*`, `/metrics`) and nothing
 * else; with it, the app's main port answers those paths 404 (OpsListenerGuard, which OpsModule registers for
 * every route). Kubernetes probes and Prometheus scrape a port that is not published with the API, as Spring
 * Boot's management port and the Prometheus exporters' ports are. It serves the same Express instance as the main
 * port (one app, one set of routes); it starts with the app (`init` or `listen`) and stops with it.
 */
@Injectable()
export class OpsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;
  private started?: Promise<void>;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(OPS_LISTENER_OPTIONS) private readonly options: OpsListenerOptions,
  ) {
    assertIntegerInRange('ops.port', options.port, 0, 65_535);
  }

  /** Where the ops endpoints are, e.g. http://127.0.0.1:9464 (once the app is initialised). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the ops listener is not listening yet: call app.init() or app.listen() first');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
    return `http://${host}:${address.port}`;
  }

  onApplicationBootstrap(): Promise<void> {
    // A hybrid app runs the bootstrap hooks from startAllMicroservices and again from listen: start once.
    return (this.started ??= this.start());
  }

  private async start(): Promise<void> {
    const app = this.adapterHost.httpAdapter.getInstance() as RequestListener;
    const main = this.adapterHost.httpAdapter.getHttpServer() as Server | undefined;
    const server = createServer((request: MarkedRequest, response: ServerResponse) => {
      request[VIA_OPS_LISTENER] = true;
      app(request, response);
    });
    // The main server's request timeouts (applyHttpServerDefaults), so a slow client cannot hold this one either.
    if (main) {
      server.requestTimeout = main.requestTimeout;
      server.headersTimeout = main.headersTimeout;
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}

/**
 * With OpsModule (it registers this guard for every route): the ops endpoints (@OpsEndpoint) answer only through
 * the ops listener, and every other route only through the main port; the wrong port answers 404, as an unknown
 * path does, so the public API does not even show that health and metrics exist. Message handlers pass.
 */
@Injectable()
export class OpsListenerGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<MarkedRequest & { path?: string }>();
    const opsEndpoint = this.reflector.get<boolean | undefined>(OPS_ENDPOINT, context.getClass()) === true;
    if (opsEndpoint === (request[VIA_OPS_LISTENER] === true)) return true;
    throw new NotFoundException(`Cannot ${request.method} ${request.path ?? (request.url ?? '/').split('?')[0]}`);
  }
}
