import { describe, expect, it } from 'vitest';
import { connectClient } from '../../src/client.js';
import { loadConfig } from '../../src/config.js';
import { ErrorType, PressroomError, errorTypeOf } from '../../src/domain/errors.js';
import { freePort } from '../../src/temporal/ports.js';

describe('connectClient when Temporal is unreachable', () => {
  it('fails within 3 s as TemporalUnavailable, naming the address and TEMPORAL_ADDRESS', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const error = await connectClient(loadConfig({ TEMPORAL_ADDRESS: address })).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(3_500);
    expect(error).toBeInstanceOf(PressroomError);
    expect(errorTypeOf(error)).toBe(ErrorType.TemporalUnavailable);
    expect((error as PressroomError).retryable).toBe(true);
    expect((error as Error).message).toContain(address);
    expect((error as Error).message).toContain('TEMPORAL_ADDRESS');
    expect((error as Error).message).not.toContain('Failed to connect before the deadline');
  });
});
