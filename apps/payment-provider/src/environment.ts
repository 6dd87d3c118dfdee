/** The environment variables the payment provider simulator reads. */
export const PAYMENT_PROVIDER_ENVIRONMENT = ['PORT', 'HOST', 'PAYMENT_LATENCY_MS', 'PAYMENT_DECLINE_RATE'] as const;
