import { Logger } from '@nestjs/common';
import { ClientProxy, RpcException, type Deserializer, type MsPattern, type ReadPacket, type Serializer, type WritePacket } from '@nestjs/microservices';
import { connectBroker, type ConnectBrokerOptions } from '../connect-broker.js';
import type { PublishOptions } from '../driver/broker-types.js';
import type { MessageBroker, ReplyInbox } from '../driver/message-broker.js';
import { InvalidArgumentError, NoRequestHandlerError, QueueNotFoundError, RequestTimeoutError, UnroutableMessageError } from '../errors.js';
import type { Delivery } from '../message.js';
import { assertIntegerInRange } from '../validation/numbers.js';
import { patternRoute } from './pattern-route.js';
import { checkRecordOptions, MessagingRecord, type MessagingRecordOptions } from './messaging.record-builder.js';
import type { MessagingClientEvents } from './messaging.transport.js';
import { CORRELATION_ID_HEADER, REPLY_TO_HEADER, requestQueueName } from './request-reply.js';

export interface MessagingClientOptions {
  /** A connected broker to share; the client does not close it. */
  broker?: MessageBroker;
  /** Or how to connect one (closed with the client); see connectBroker. Default: MESSAGING_DRIVER, DATABASE_URL. */
  connection?: ConnectBrokerOptions;
  /** How long `send` waits for a reply, in ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** What `emit` does when no queue is bound to the pattern: 'error' (default) fails the emit. See PublishOptions. */
  mandatory?: PublishOptions['mandatory'];
  /** Turns the data of an `emit` / `send` into the payload stored (`options` has the `pattern`). Default: as is. */
  serializer?: Serializer;
  /** Turns a reply's payload into Nest's reply packet. Default: Nest's IncomingResponseDeserializer. */
  deserializer?: Deserializer;
}

/**
 * The Nest transport client over any MessageBroker: `emit(pattern, data)` publishes an event routed by the pattern;
 * `send(pattern, data)` puts a request on `rpc.<pattern>` and waits for the reply in this client's reply inbox.
 */
// Default type arguments: ClientsModule's `customClass` only accepts ClientProxy<Record<never, Function>, string>.
export class MessagingClient extends ClientProxy {
  private broker: MessageBroker | null = null;
  private connecting: Promise<MessageBroker> | null = null;
  private replies: Promise<ReplyInbox> | null = null;
  private readonly requestTimeoutMs: number;
  private readonly errorListeners: MessagingClientEvents['error'][] = [];
  private readonly logger = new Logger('MessagingClient');

  constructor(private readonly options: MessagingClientOptions = {}) {
    super();
    this.requestTimeoutMs = assertIntegerInRange('requestTimeoutMs', options.requestTimeoutMs ?? 30_000, 1, 24 * 60 * 60 * 1000);
    this.initializeSerializer(options);
    this.initializeDeserializer(options);
  }

  override on<K extends keyof MessagingClientEvents>(event: K, callback: MessagingClientEvents[K]): void {
    if (event !== 'error') throw new InvalidArgumentError(`MessagingClient has no event ${String(event)}; it has error`, {});
    this.errorListeners.push(callback);
  }

  /** Object patterns route by their keys and values (`{ cmd: 'sum' }` is `cmd.sum`), as MessagingServer routes them. */
  override normalizePattern(pattern: MsPattern): string {
    return patternRoute(pattern);
  }

  async connect(): Promise<MessageBroker> {
    this.connecting ??= (async () => {
      this._status$.next('connecting');
      try {
        this.broker = this.options.broker ?? (await connectBroker(this.options.connection ?? {}));
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
      if (replies) await (await replies.catch(() => null))?.close();
      if (!this.options.broker) await broker.close();
    }
    this._status$.next('disconnected');
  }

  /** The MessageBroker the client publishes with. */
  unwrap<T = MessageBroker>(): T {
    if (!this.broker) throw new Error('MessagingClient is not connected yet: call connect() first');
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
      const replyTo = await this.replyAddress(broker);
      const { data, options } = unwrapRecord(packet.data);
      const { headers: own, ...rest } = options;
      if (Object.keys(rest).length > 0) {
        throw new InvalidArgumentError(`send takes only headers from a MessagingRecord, not ${Object.keys(rest).join(', ')}: those are emit's`, { pattern });
      }
      const payload = await (this.serializer as Serializer).serialize(data, { pattern });
      const headers = { ...packet.metadata, ...own, [REPLY_TO_HEADER]: replyTo, [CORRELATION_ID_HEADER]: packet.id };
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
   * Opens this client's reply inbox, once (the driver's: on PostgreSQL a reply queue that expires unless renewed,
   * so a crashed client leaves nothing behind). A failed open is retried by the next request.
   */
  private async replyAddress(broker: MessageBroker): Promise<string> {
    const opening = (this.replies ??= broker.openReplyInbox((reply) => this.route(reply)));
    try {
      return (await opening).address;
    } catch (error) {
      if (this.replies === opening) this.replies = null;
      throw error;
    }
  }

  private async route(delivery: Delivery): Promise<void> {
    const reply = (await this.deserializer.deserialize(delivery.payload)) as WritePacket & { id?: string };
    const route = this.routingMap.get(delivery.headers[CORRELATION_ID_HEADER] ?? reply.id ?? '');
    route?.(reply);
  }
}

function unwrapRecord(data: unknown): { data: unknown; options: MessagingRecordOptions } {
  return data instanceof MessagingRecord ? { data: data.data, options: data.options } : { data, options: {} };
}
