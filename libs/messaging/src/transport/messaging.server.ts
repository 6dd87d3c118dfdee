import type { Deserializer, Serializer } from '@nestjs/microservices';
import { RpcException, Server, type CustomTransportStrategy, type MessageHandler as NestHandler, type MsPattern, type WritePacket } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { connectBroker, type ConnectBrokerOptions } from '../connect-broker.js';
import type { ConsumerOptions, DeliveryControl, MessageConsumer } from '../driver/broker-types.js';
import type { MessageBroker } from '../driver/message-broker.js';
import { errorLine, nackOptionsFor } from '../core/failure.js';
import type { Delivery } from '../message.js';
import { InvalidArgumentError, QueueOptionsConflictError } from '../errors.js';
import { nestBrokerLogger } from '../nest/nest-logger.js';
import { Housekeeping } from '../housekeeping/housekeeping.js';
import type { QueueOptions } from '../topology/queue-options.js';
import { assertPattern, assertRoutingKey } from '../validation/names.js';
import { isNamedHandler, planHandler, type HandlerPlan } from './handler-plan.js';
import { patternRoute } from './pattern-route.js';
import { MessagingContext } from './messaging.context.js';
import { recordActiveSpanFailure } from '../telemetry/messaging-spans.js';
import { MESSAGING_TRANSPORT, type MessagingServerEvents, type MessagingTransportStatus } from './messaging.transport.js';
import { CORRELATION_ID_HEADER, REPLY_TO_HEADER, requestQueueName } from './request-reply.js';

export interface MessagingServerOptions {
  /** Names this service's queues (`<serviceName>.<handler>`) and is the consumer group in traces. */
  serviceName: string;
  /** A connected broker to share; the server does not close it. */
  broker?: MessageBroker;
  /** Or how to connect one (closed with the server); see connectBroker. Default: MESSAGING_DRIVER, DATABASE_URL. */
  connection?: ConnectBrokerOptions;
  /** Queue options for every handler, below the handler's own. */
  queueDefaults?: QueueOptions;
  /** Consumer options for every handler (concurrency, prefetch...), below the handler's own. */
  consumerDefaults?: ConsumerOptions;
  /** Turns a reply packet into the payload sent back to the client. Default: as is. */
  serializer?: Serializer;
  /** Turns a message's payload into the handler's data (`options` has its `pattern` and `routingKey`). Default: as is. */
  deserializer?: Deserializer;
}

/** Request queues: a request that fails is answered with the error, not retried; one lost to a crash is retried. */
const REQUEST_QUEUE_OPTIONS: QueueOptions = { maxAttempts: 3, deadLetterQueue: null };

/** The default deserializer: the handler gets the payload as stored. */
const AS_STORED: Deserializer = { deserialize: (payload: unknown) => payload };

interface Subscription extends HandlerPlan {
  kind: 'event' | 'request';
  pattern: string;
  handler: NestHandler;
}

type Listeners = { [K in keyof MessagingServerEvents]: MessagingServerEvents[K][] };

/**
 * The Nest transport server, over any MessageBroker. Every `@EventPattern` handler gets its own durable queue bound
 * to its pattern (so a failing handler never re-runs a sibling); success acks, an error retries with the queue's
 * backoff and then dead-letters (a RejectMessageError at once), keeping the real error when MessagingExceptionFilter
 * is registered. `@MessagePattern` handlers consume the request queue `rpc.<pattern>` and reply to the caller's
 * reply address.
 */
export class MessagingServer extends Server<MessagingServerEvents, MessagingTransportStatus> implements CustomTransportStrategy {
  override readonly transportId = MESSAGING_TRANSPORT;
  override readonly propagatesEventHandlerErrors = true;
  private broker: MessageBroker | null = null;
  /** The broker's chores, when this server owns its broker (with a shared one, MessagingModule runs them). */
  private housekeeping: Housekeeping | null = null;
  private readonly consumers: MessageConsumer[] = [];
  private readonly listeners: Listeners = { error: [], 'dead-lettered': [] };
  private warnedAboutFilter = false;

  constructor(private readonly options: MessagingServerOptions) {
    super();
    if (!options || typeof options.serviceName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,59}$/.test(options.serviceName)) {
      throw new InvalidArgumentError(`MessagingServer needs a serviceName of 1-60 letters, digits, '.', '_', '-' or ':'`, {});
    }
    this.initializeSerializer(options);
    this.deserializer = options.deserializer ?? AS_STORED;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      this._status$.next('disconnected');
      this.emitEvent('error', error);
      callback(error);
    }
  }

  async close(): Promise<void> {
    const consumers = this.consumers.splice(0);
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await this.housekeeping?.stop();
    this.housekeeping = null;
    if (this.broker && !this.options.broker) await this.broker.close();
    this.broker = null;
    this._status$.next('disconnected');
  }

  on<K extends keyof MessagingServerEvents>(event: K, callback: MessagingServerEvents[K]): void {
    if (!(event in this.listeners)) throw new InvalidArgumentError(`MessagingServer has no event ${String(event)}; it has ${Object.keys(this.listeners).join(', ')}`, {});
    (this.listeners[event] as MessagingServerEvents[K][]).push(callback);
  }

  /** The MessageBroker the server consumes with. */
  unwrap<T = MessageBroker>(): T {
    if (!this.broker) throw new Error('MessagingServer is not listening yet: call listen() (app.listen()) first');
    return this.broker as T;
  }

  /** Object patterns route by their keys and values (`{ cmd: 'sum' }` is `cmd.sum`); see patternRoute. */
  override normalizePattern(pattern: MsPattern): string {
    return patternRoute(pattern);
  }

  private emitEvent<K extends keyof MessagingServerEvents>(event: K, ...args: Parameters<MessagingServerEvents[K]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: unknown[]) => void)(...args);
  }

  private async start(): Promise<void> {
    this._status$.next('connecting');
    const subscriptions = this.subscriptions();
    this.broker = this.options.broker ?? (await connectBroker({ logger: nestBrokerLogger(), ...this.options.connection } as ConnectBrokerOptions));
    if (!this.options.broker) this.housekeeping = Housekeeping.forBroker(this.broker, { logger: this.options.connection?.logger ?? nestBrokerLogger() }).start();
    for (const s of subscriptions) await this.declare(s);
    for (const s of subscriptions) {
      const consumer = await this.broker.consume(s.queue, (delivery, control) => this.process(s, delivery, control), {
        consumerGroup: this.options.serviceName,
        ...this.options.consumerDefaults,
        ...s.consumerOptions,
      });
      this.consumers.push(consumer);
    }
    this._status$.next('connected');
  }

  /** One subscription per handler: Nest chains several event handlers of one pattern; each gets its own queue. */
  private subscriptions(): Subscription[] {
    const subscriptions: Subscription[] = [];
    for (const [pattern, head] of this.messageHandlers) {
      // Nest chains the event handlers of one pattern (`next`), and calling one calls the rest. Unlink them: each
      // runs alone, from its own queue.
      const chain: NestHandler[] = [];
      for (let handler: NestHandler | undefined = head; handler; handler = handler.next) chain.push(handler);
      for (const handler of chain) handler.next = undefined;
      if (chain.filter((h) => h.isEventHandler && !isNamedHandler(h.extras)).length > 1) {
        throw new InvalidArgumentError(
          `Several @EventPattern handlers of ${JSON.stringify(pattern)} have no queue name: use @Consume (its queue is named after the ` +
            `handler's class and method) or give each a 'queue' option, so that reordering handlers never swaps their queues`,
          { pattern },
        );
      }
      for (const handler of chain) {
        const kind = handler.isEventHandler ? 'event' : 'request';
        if (kind === 'event') assertPattern(pattern);
        else assertRoutingKey(pattern);
        const plan = planHandler(this.options.serviceName, pattern, handler.extras);
        subscriptions.push({ ...plan, ...(kind === 'request' ? { queue: requestQueueName(pattern) } : {}), kind, pattern, handler });
      }
    }
    const seen = new Set<string>();
    for (const s of subscriptions) {
      if (seen.has(s.queue)) throw new InvalidArgumentError(`Two handlers would share the queue ${JSON.stringify(s.queue)}; give one a 'queue' option`, {});
      seen.add(s.queue);
    }
    return subscriptions;
  }

  /** Declares the queue with the code's options (updating a queue whose stored options differ) and its one binding. */
  private async declare(s: Subscription): Promise<void> {
    const broker = this.broker as MessageBroker;
    const options = { ...this.options.queueDefaults, ...(s.kind === 'request' ? REQUEST_QUEUE_OPTIONS : {}), ...s.queueOptions };
    try {
      await broker.declareQueue(s.queue, options);
    } catch (error) {
      if (!(error instanceof QueueOptionsConflictError)) throw error;
      this.logger.log(`Queue ${s.queue}: updating its stored options to the handler's (${error.message})`);
      await broker.updateQueue(s.queue, options);
    }
    if (s.kind === 'request') return;
    const { bindings } = await broker.getQueue(s.queue);
    for (const stale of bindings.filter((b) => b !== s.pattern)) await broker.unbindQueue(s.queue, stale);
    await broker.bindQueue(s.queue, s.pattern);
  }

  private async process(s: Subscription, delivery: Delivery, control: DeliveryControl): Promise<void> {
    const context = new MessagingContext([delivery, control, s.queue, s.pattern]);
    const data = await this.deserializer.deserialize(delivery.payload, { pattern: s.pattern, routingKey: delivery.routingKey });
    if (s.kind === 'request') return this.processRequest(s, delivery, data, context);
    try {
      await this.processEvent(s, data, context);
    } catch (error) {
      const real = this.realError(error, context);
      this.emitEvent('error', real, context);
      // The failure shows on the handler's `process` span, as a consumer's thrown error does.
      recordActiveSpanFailure(real);
      // Settled here rather than by the consumer, to learn the outcome (the consumer logs the one line).
      const options = nackOptionsFor(real);
      const outcome = await control.nack(options);
      if (outcome !== 'retried') {
        this.emitEvent('dead-lettered', { messageId: delivery.messageId, queue: s.queue, reason: options.reject ? 'rejected' : 'delivery_limit', error: real });
      }
    }
  }

  /** Runs an event handler to completion (its returned stream too); rejects with what the handler raised. */
  private processEvent(s: Subscription, data: unknown, context: MessagingContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.runWithProcessingHooks(context, async (runEndHook) => {
        try {
          const result = await s.handler(data, context);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          runEndHook();
          resolve();
        } catch (error) {
          runEndHook();
          reject(error);
        }
      });
    });
  }

  /** Runs a request handler and publishes each reply packet to the caller's reply queue. */
  private processRequest(s: Subscription, delivery: Delivery, data: unknown, context: MessagingContext): Promise<void> {
    const replyTo = delivery.headers[REPLY_TO_HEADER];
    const correlationId = delivery.headers[CORRELATION_ID_HEADER];
    if (!replyTo || !correlationId) {
      return Promise.reject(new InvalidArgumentError(`Request ${delivery.messageId} on ${s.queue} has no ${REPLY_TO_HEADER} or ${CORRELATION_ID_HEADER}`, {}));
    }
    return new Promise<void>((resolve) => {
      this.handleRequest(
        context,
        async () => this.transformToObservable(await s.handler(data, context)),
        async (packet: WritePacket) => {
          try {
            if (packet.err !== undefined) this.reportFailedRequest(delivery, s.queue, packet.err, context);
            const payload = await this.serializer.serialize({ ...packet, id: correlationId });
            await (this.broker as MessageBroker).publishToQueue(replyTo, { routingKey: s.pattern, payload, headers: { [CORRELATION_ID_HEADER]: correlationId } });
          } finally {
            if (packet.isDisposed) resolve();
          }
        },
      );
    });
  }

  private reportFailedRequest(delivery: Delivery, queue: string, replied: unknown, context: MessagingContext): void {
    const real = context.getRecordedFailure()?.error ?? replied;
    if (real instanceof RpcException) return; // an answer the handler chose, not a failure
    this.logger.warn?.(`Request ${delivery.messageId} on ${queue} failed: ${errorLine(real)}; replied with the error`);
    this.logger.debug?.(`Request ${delivery.messageId} on ${queue}: the full error`, real);
    this.emitEvent('error', real, context);
  }

  private realError(error: unknown, context: MessagingContext): unknown {
    const recorded = context.getRecordedFailure();
    if (recorded) return recorded.error;
    if (!this.warnedAboutFilter) {
      this.warnedAboutFilter = true;
      this.logger.warn?.('A handler failed with an error Nest replaced by a generic one; register MessagingExceptionFilter to keep the real error');
    }
    return error;
  }
}
