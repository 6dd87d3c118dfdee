/** The provider's answer to a charge. */
export interface ChargeResult {
  id: string;
  status: 'succeeded' | 'declined';
  reason?: string;
}

/** A charge the provider could not answer (network, 5xx): worth retrying with the same idempotency key. */
export class PaymentProviderUnavailableError extends Error {
  override name = 'PaymentProviderUnavailableError';
}

/** HTTP client of the payment provider. Every charge carries an idempotency key, so a retry never charges twice. */
export class PaymentProviderClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async charge(request: { idempotencyKey: string; amount: string; currency: string; customerId: string; reference: string }): Promise<ChargeResult> {
    const { idempotencyKey, ...body } = request;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new PaymentProviderUnavailableError(`Payment provider unreachable: ${(error as Error).message}`);
    }
    if (response.status >= 500) throw new PaymentProviderUnavailableError(`Payment provider answered ${response.status}`);
    const result = (await response.json()) as ChargeResult & { error?: string };
    if (response.status !== 201) throw new Error(`Payment provider refused the charge request (${response.status}: ${result.error ?? 'unknown'})`);
    return result;
  }
}
