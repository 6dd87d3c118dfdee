import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ClientProxy, RpcException, type Deserializer, type MsPattern, type ReadPacket, type Serializer, type WritePacket } from '@nestjs/microservices';
import { Broker } from '../drivers/postgres/broker.js';
import type { BrokerOptions } from '../drivers/postgres/broker-options.js';
import type { Consumer } from '../drivers/postgres/consumer.js';
import type { PublishOptions } from '../drivers/postgres/publisher.js';
import { InvalidArgumentError, MessagingError, QueueNotFoundError, UnroutableMessageError } from '../errors.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { patternRoute } from './pattern-route.js';
import { checkRecordOptions, PgRecord, type PgRecordOptions } from './pg.record-builder.js';
import { CORRELATION_ID_HEADER, REPLY_TO_HEADER, requestQueueName, type PgClientEvents } from './transport-id.js';

export interface PgClientOptions {
  /** A connected broker to share; the client does not close it. */
  broker?: Broker;
  /** Or how to connect one (closed with the client). Default: DATABASE_URL. */
  connection?: BrokerOptions;
  /** How long `send` waits for a reply, in ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** What `emit` does when no queue is bound to the pattern: 'error' (default) fails the emit. See PublishOptions. */
  mandatory?: PublishOptions['mandatory'];
  /** Turns the data of an `emit` / `send` into the payload stored (`options` has the `pattern`). Default: as is. */
  serializer?: Serializer;
  /** Turns a reply's payload into Nest's reply packet. Default: Nest's IncomingResponseDeserializer. */
  deserializer?: Deserializer;
}

/** A reply queue not renewed for this long (its client crashed) is deleted. */
export const REPLY_QUEUE_TTL_MS = 5 * 60 * 1000;

/** No reply came within `requestTimeoutMs`. */
export class RequestTimeoutError extends MessagingError {
  readonly code = 'REQUEST_TIMEOUT';
}

/** No server has ever handled this request pattern (its request queue does not exist). */
export class NoRequestHandlerError extends MessagingError {
  readonly code = 'NO_REQUEST_HANDLER';
}

/**
 * The Nest transport client: `emit(pattern, data)` publishes an event routed by the pattern; `send(pattern, data)`
 * puts a request on `rpc.<pattern>` and waits for the reply on this client's own reply queue.
 */
// Default type arguments: ClientsModule's `customClass` only accepts ClientProxy<Record<never, Function>, string>.
export class PgClient extends ClientProxy {
  private broker: Broker | null = null;
  private connecting: Promise<Broker> | null = null;
  private replyQueue: string | null = null;
  private replies: Promise<Consumer> | null = null;
  private readonly requestTimeoutMs: number;
  private renewal: NodeJS.Timeout | undefined;
  private readonly errorListeners: PgClientEvents['error'][] = [];
  private readonly logger = new Logger(PgClient.name);

  constructor(private readonly options: PgClientOptions = {}) {
    super();
    this.requestTimeoutMs = assertIntegerInRange('requestTimeoutMs', options.requestTimeoutMs ?? 30_000, 1, 24 * 60 * 60 * 1000);
    this.initializeSerializer(options);
    this.initializeDeserializer(options);
  }

  override on<K extends keyof PgClientEvents>(event: K, callback: PgClientEvents[K]): void {
    if (event !== 'error') throw new InvalidArgumentError(`PgClient has no event ${String(event)}; it has error`, {});
    this.errorListeners.push(callback);
  }

  /** Object patterns route by their keys and values (`{ cmd: 'sum' }` is `cmd.sum`), as PgServer routes them. */
  override normalizePattern(pattern: MsPattern): string {
    return patternRoute(pattern);
  }

  async connect(): Promise<Broker> {
    this.connecting ??= (async () => {
      this._status$.next('connecting');
      try {
        this.broker = this.options.broker ?? (await Broker.connect(this.options.connection ?? {}));
      } catch (error) {
        this.connecting = null;
        this._status$.next('disconnected');
        this.reportError(error);
        throw error;
      }
      this._status$.next('connected');
      return this.broker;
    })();
    return this.connecting;
  }

  async close(): Promise<void> {
    const broker = this.broker;
    this.broker = null;
    this.connecting = null;
    if (broker) {
      const replies = this.replies;
      this.replies = null;
      clearInterval(this.renewal);
      if (replies) {
        await (await replies).stop();
        await broker.deleteQueue(this.replyQueue as string).catch(() => undefined);
      }
      if (!this.options.broker) await broker.close();
    }
    this._status$.next('disconnected');
  }

  unwrap<T = Broker>(): T {
    if (!this.broker) throw new Error('PgClient is not connected yet: call connect() first');
    return this.broker as T;
  }

  /**
   * Publishes an event. An emit nobody subscribes to still runs (Nest connects it), and its failure would be lost:
   * so a failed emit is logged (one line with the pattern) and reported to `on('error')` listeners, then thrown.
   */
  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    let routingKey: string | undefined;
    let connected = false;
    try {
      const broker = await this.connect();
      connected = true;
      routingKey = this.normalizePattern(packet.pattern);
      const { data, options } = unwrapRecord(packet.data);
      checkRecordOptions(options);
      const { deduplicationWindowMs, headers, ...message } = options;
      const payload = await (this.serializer as Serializer).serialize(data, { pattern: routingKey });
      await broker.publish(
        { routingKey, payload, headers: { ...packet.metadata, ...headers }, ...message },
        { mandatory: this.options.mandatory, deduplicationWindowMs },
      );
    } catch (error) {
      const what = error instanceof UnroutableMessageError ? 'no queue is bound to it' : `${(error as Error)?.message ?? String(error)}`;
      // The pattern as given, cut short: a hostile one may be megabytes.
      const pattern = String(JSON.stringify(routingKey ?? packet.pattern));
      this.logger.warn(`emit(${pattern.length > 120 ? `${pattern.slice(0, 100)}…` : pattern}) was not published: ${what}`);
      if (connected) this.reportError(error); // connect() reported its own failure
      throw error;
    }
    return undefined as T;
  }

  private reportError(error: unknown): void {
    for (const listener of this.errorListeners) listener(error);
  }

  protected publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const packet = this.assignPacketId(partialPacket);
    const pattern = this.normalizePattern(packet.pattern);
    let done = false;
    const finish = (reply: WritePacket) => {
      if (done) return;
      if (reply.isDisposed || reply.err) {
        done = true;
        cleanup();
      }
      callback(reply);
    };
    const timer = setTimeout(
      () => finish({ err: new RequestTimeoutError(`No reply to ${JSON.stringify(pattern)} within ${this.requestTimeoutMs} ms`, { pattern }), isDisposed: true }),
      this.requestTimeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      this.routingMap.delete(packet.id);
    };
    this.routingMap.set(packet.id, (reply: WritePacket) => finish(reply));
    void (async () => {
      const broker = await this.connect();
      const replyQueue = await this.ensureReplyQueue(broker);
      const { data, options } = unwrapRecord(packet.data);
      const { headers: own, ...rest } = options;
      if (Object.keys(rest).length > 0) {
        throw new InvalidArgumentError(`send takes only headers from a PgRecord, not ${Object.keys(rest).join(', ')}: those are emit's`, { pattern });
      }
      const payload = await (this.serializer as Serializer).serialize(data, { pattern });
      const headers = { ...packet.metadata, ...own, [REPLY_TO_HEADER]: replyQueue, [CORRELATION_ID_HEADER]: packet.id };
      await broker.publishToQueue(requestQueueName(pattern), { routingKey: pattern, payload, headers });
    })().catch((error: unknown) => {
      const err =
        error instanceof QueueNotFoundError
          ? new NoRequestHandlerError(`No server handles requests for ${JSON.stringify(pattern)} (queue ${requestQueueName(pattern)} does not exist)`, { pattern })
          : error;
      finish({ err, isDisposed: true });
    });
    return cleanup;
  }

  /** Errors a server replied with become RpcExceptions; the transport's own errors stay what they are. */
  protected override serializeError(error: unknown): unknown {
    return error instanceof Error ? error : new RpcException(error as object);
  }

  /**
   * Declares this client's reply queue and consumes it, once. The queue expires REPLY_QUEUE_TTL_MS after the client
   * stops renewing it (a crash); the broker's housekeeping deletes it then.
   */
  private async ensureReplyQueue(broker: Broker): Promise<string> {
    this.replies ??= (async () => {
      const queue = `reply.${randomUUID()}`;
      await broker.declareQueue(queue, { deadLetterQueue: null, maxAttempts: 1 });
      await broker.renewQueue(queue, REPLY_QUEUE_TTL_MS);
      this.renewal = setInterval(() => void broker.renewQueue(queue, REPLY_QUEUE_TTL_MS).catch(() => undefined), REPLY_QUEUE_TTL_MS / 3);
      this.renewal.unref();
      this.replyQueue = queue;
      return broker.consume(queue, async (delivery) => {
        const reply = (await this.deserializer.deserialize(delivery.payload)) as WritePacket & { id?: string };
        const route = this.routingMap.get(delivery.headers[CORRELATION_ID_HEADER] ?? reply.id ?? '');
        route?.(reply);
      }, { concurrency: 50 });
    })();
    await this.replies;
    return this.replyQueue as string;
  }
}

function unwrapRecord(data: unknown): { data: unknown; options: PgRecordOptions } {
  return data instanceof PgRecord ? { data: data.data, options: data.options } : { data, options: {} };
}
