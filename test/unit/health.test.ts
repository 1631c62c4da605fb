import { describe, expect, it } from 'vitest';
import { createHttpServer, health, listen } from '../../src/http/server.js';

describe('/health', () => {
  it('is 503 and names what it cannot reach', async () => {
    const result = await health({
      checks: { temporal: async () => undefined, database: async () => Promise.reject(new Error('connection refused')) },
    });
    expect(result.status).toBe(503);
    expect(result.body).toMatchObject({
      ok: false,
      temporal: { ok: true },
      database: { ok: false, error: 'connection refused' },
      error: 'cannot reach database',
    });
  });

  it('serves it over HTTP, and 404 for unknown routes', async () => {
    const server = createHttpServer({ checks: { temporal: async () => Promise.reject(new Error('down')), database: async () => undefined } });
    const address = await listen(server, 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${address.port}/health`);
      expect(res.status).toBe(503);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.json()).toMatchObject({ error: 'cannot reach temporal' });
      expect((await fetch(`http://127.0.0.1:${address.port}/nope`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
