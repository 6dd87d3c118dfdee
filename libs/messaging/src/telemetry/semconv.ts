// OpenTelemetry messaging semantic conventions, copied here as the semantic-conventions package advises for its
// incubating (not yet stable) attributes, instead of importing '@opentelemetry/semantic-conventions/incubating'.
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_CONVERSATION_ID = 'messaging.message.conversation_id';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_MESSAGING_DELIVERY_ATTEMPT = 'messaging.pg_messaging.delivery_attempt';
export const ATTR_MESSAGING_ROUTING_KEY = 'messaging.pg_messaging.routing_key';
export const ATTR_ERROR_TYPE = 'error.type';

/** `messaging.system` of this broker: none of the well-known values fits a PostgreSQL broker, so a custom one. */
export const MESSAGING_SYSTEM = 'pg_messaging';
/** messaging.system of the RabbitMQ driver's spans: the semantic conventions' well-known value. */
export const RABBITMQ_MESSAGING_SYSTEM = 'rabbitmq';
