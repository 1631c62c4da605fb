import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { RunOutcome, SEARCH_ATTRIBUTES, type WorkflowKind } from '../domain/names.js';

// Typed keys for Pressroom's custom search attributes (names and types declared in domain/names.ts,
// registered on the server by the dev stack and docker-compose). Workflows upsert them themselves, so
// a run started from the `temporal` CLI is as filterable as one started by `pressroom`.

// A change of type in names.ts must change these keys too: this line stops compiling if it drifts.
const _allKeywords: Record<keyof typeof SEARCH_ATTRIBUTES, 'Keyword'> = SEARCH_ATTRIBUTES;
void _allKeywords;

export const PressroomKind = defineSearchAttributeKey('PressroomKind', SearchAttributeType.KEYWORD);
export const PressroomSource = defineSearchAttributeKey('PressroomSource', SearchAttributeType.KEYWORD);
export const PressroomOutcome = defineSearchAttributeKey('PressroomOutcome', SearchAttributeType.KEYWORD);

/** Keyword values are capped by the server (2 KB on the dev server's SQLite): keep a long path's head. */
const MAX_KEYWORD = 1_000;

/** Marks a run at its start: what it is, what it works on, and that it is running. */
export function markStarted(kind: WorkflowKind, source?: string): void {
  upsertSearchAttributes([
    { key: PressroomKind, value: kind },
    ...(source === undefined ? [] : [{ key: PressroomSource, value: source.slice(0, MAX_KEYWORD) }]),
    { key: PressroomOutcome, value: RunOutcome.running },
  ]);
}

/** Names what the run works on once it is known (a release's id is known only once it is built). */
export function markSource(source: string): void {
  upsertSearchAttributes([{ key: PressroomSource, value: source.slice(0, MAX_KEYWORD) }]);
}

/** Records how the run ended, for `PressroomOutcome = "…"` filters. */
export function markOutcome(outcome: RunOutcome): void {
  upsertSearchAttributes([{ key: PressroomOutcome, value: outcome }]);
}

/** Records a run that ended by throwing: cancelled or failed. */
export function markThrown(error: unknown): void {
  markOutcome(isCancellation(error) ? RunOutcome.cancelled : RunOutcome.failed);
}
