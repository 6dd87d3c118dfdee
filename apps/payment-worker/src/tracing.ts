// Imported first by main.ts: starts OpenTelemetry before Nest, http and pg are loaded (when an OTLP endpoint is set).
import { startTelemetry } from '@app/messaging/telemetry';

startTelemetry('payment-worker');
