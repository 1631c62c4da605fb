// The Temporal client of a long CLI wait, replaceable after a lost server. A connection closes only
// once the calls made through it have settled: the SDK's gRPC retry schedules its next attempt on a
// timer, and that attempt throws uncaught ("Channel has been shut down", exit status 1) when the
// channel was closed meanwhile. Calls a wait stops caring about (a progress query raced against the
// import's end) still hold their connection open until they settle.

import type { PressroomClient } from '../client.js';

export class ReconnectingClient {
  #current: PressroomClient;
  readonly #inFlight = new Map<PressroomClient, number>();
  readonly #retired = new Set<PressroomClient>();
  readonly #closed: Promise<void>[] = [];
  readonly #closedOnes = new Set<PressroomClient>();

  constructor(
    first: PressroomClient,
    private readonly connect: () => Promise<PressroomClient>,
  ) {
    this.#current = first;
  }

  get current(): PressroomClient {
    return this.#current;
  }

  /** Runs a call on the current connection, which stays open until the call settles. */
  async use<T>(call: (pc: PressroomClient) => Promise<T>): Promise<T> {
    const pc = this.#current;
    this.#inFlight.set(pc, (this.#inFlight.get(pc) ?? 0) + 1);
    try {
      return await call(pc);
    } finally {
      const left = (this.#inFlight.get(pc) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(pc, left);
      else {
        this.#inFlight.delete(pc);
        if (this.#retired.has(pc)) this.#close(pc);
      }
    }
  }

  /** A fresh connection for the calls from now on; the old one closes when its calls have settled. */
  async reconnect(): Promise<void> {
    const fresh = await this.connect();
    const old = this.#current;
    this.#current = fresh;
    this.#retire(old);
  }

  /**
   * Retires the current connection too. Resolves once every connection without calls in flight is
   * closed; one still retrying closes when its call gives up (the CLI exits before that, unharmed).
   */
  async close(): Promise<void> {
    this.#retire(this.#current);
    await Promise.all(this.#closed);
  }

  /** How many calls are in flight on any connection (for tests and diagnostics). */
  get pending(): number {
    let n = 0;
    for (const count of this.#inFlight.values()) n += count;
    return n;
  }

  #retire(pc: PressroomClient): void {
    if (this.#inFlight.has(pc)) this.#retired.add(pc);
    else this.#close(pc);
  }

  #close(pc: PressroomClient): void {
    this.#retired.delete(pc);
    if (this.#closedOnes.has(pc)) return;
    this.#closedOnes.add(pc);
    this.#closed.push(pc.close().catch(() => undefined));
  }
}
