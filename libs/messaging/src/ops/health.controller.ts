import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { Broker } from '../broker/broker.js';

/** `GET /health`: 200 when the broker's database answers, 503 otherwise (for container health checks). */
@Controller('health')
export class HealthController {
  constructor(private readonly broker: Broker) {}

  @Get()
  async check(): Promise<{ status: 'ok' }> {
    try {
      await this.broker.pool.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException('The broker database does not answer');
    }
    return { status: 'ok' };
  }
}
