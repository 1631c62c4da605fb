import { defineQuery } from '@temporalio/workflow';
import type { ImportProgress } from '../domain/import/index.js';

// Every signal, query and update handle, declared once. Workflows and clients import them from here.

/** The import's live counts: what `pressroom import --wait` draws its progress bar from. */
export const progressQuery = defineQuery<ImportProgress>('progress');
