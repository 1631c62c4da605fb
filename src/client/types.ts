import type { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';

/** A connected Temporal client with the config it was built from; every starter takes one. */
export type PressroomClient = { client: Client; connection: Connection; config: Config; close(): Promise<void> };
