import { z } from 'zod';
import { SOURCE_ID_PATTERN } from '../article/index.js';
import type { CheckReport, PurgeReport, ReleaseDecision, ReleasePlan, ReleaseStatus, VerifyReport } from './model.js';

// What releaseWorkflow and rollbackWorkflow accept (exactly as it travels in history: no defaults, the
// client fills them in), what the approveRelease / rejectRelease updates carry, and what the
// `releaseStatus` query and the final report answer.

/** At most this many explicit source ids in one release: one workflow input, one activity payload. */
export const MAX_RELEASE_IDS = 1_000;

/** The approval wait's bounds: at least a minute (a smaller one is a typo), at most 30 days. */
export const MIN_APPROVAL_TIMEOUT_MS = 60_000;
export const MAX_APPROVAL_TIMEOUT_MS = 30 * 24 * 3_600_000;

/** The approval wait a client uses when none is given: a working day and night. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;

const MAX_NAME = 200;
const MAX_REASON = 2_000;

const person = (what: string) =>
  z.string(`expected ${what}`).trim().min(1, `expected ${what}, not an empty name`).max(MAX_NAME, `expected at most ${MAX_NAME} characters`);
const reason = z.string('expected a reason').trim().min(1, 'expected a non-empty reason').max(MAX_REASON, `expected at most ${MAX_REASON} characters`);

/** A release id as the activities make them; only its shape is checked here, the store says whether it exists. */
export const ReleaseId = z
  .string('expected a release id')
  .min(1, 'expected a non-empty release id')
  .max(200, 'expected at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'expected a release id of printable ASCII without spaces');

const only = z
  .array(z.string('expected a source id').regex(SOURCE_ID_PATTERN, 'expected a source id matching [a-z0-9][a-z0-9._-]{2,80}'), 'expected a list of source ids')
  .min(1, 'expected at least one source id (null releases every approved change)')
  .max(MAX_RELEASE_IDS, `expected at most ${MAX_RELEASE_IDS} source ids`)
  .refine((ids) => new Set(ids).size === ids.length, 'expected each source id once');

/** releaseWorkflow's input. Every field is required: `only: null` and `autoApprove: false` are choices, not gaps. */
export const ReleaseWorkflowInput = z.strictObject({
  requestedBy: person('the name of who asked for the release'),
  /** null: every approved revision that differs from production; a list: only these articles. */
  only: only.nullable(),
  /** Skip the approval wait when every check, warnings included, passed. */
  autoApprove: z.boolean('expected true or false'),
  /** How long to wait for approveRelease or rejectRelease before the release is abandoned. */
  approvalTimeoutMs: z
    .number('expected a duration in milliseconds')
    .int('expected a whole number of milliseconds')
    .min(MIN_APPROVAL_TIMEOUT_MS, `expected ${MIN_APPROVAL_TIMEOUT_MS} ms (1 minute) to ${MAX_APPROVAL_TIMEOUT_MS} ms (30 days)`)
    .max(MAX_APPROVAL_TIMEOUT_MS, `expected ${MIN_APPROVAL_TIMEOUT_MS} ms (1 minute) to ${MAX_APPROVAL_TIMEOUT_MS} ms (30 days)`),
});
export type ReleaseWorkflowInput = z.infer<typeof ReleaseWorkflowInput>;

/** rollbackWorkflow's input. */
export const RollbackWorkflowInput = z.strictObject({
  requestedBy: person('the name of who asked for the rollback'),
  /** The release to serve again; null: the one production served before the current one. */
  target: ReleaseId.nullable(),
  reason,
});
export type RollbackWorkflowInput = z.infer<typeof RollbackWorkflowInput>;

/** What approveRelease and rejectRelease carry: who decided and why, both required. */
export const ReleaseDecisionInput = z.strictObject({ by: person("the decider's name"), reason });
export type ReleaseDecisionInput = z.infer<typeof ReleaseDecisionInput>;

/** Where a release or rollback is. Terminal steps: live, rejected, abandoned, failed, rolled-back. */
export const RELEASE_STEPS = [
  'building',
  'checking',
  'staging',
  'verifying-staging',
  'awaiting-approval',
  'promoting',
  'purging',
  'tagging',
  'verifying-production',
  'compensating',
  'live',
  'rejected',
  'abandoned',
  'failed',
  'rolled-back',
] as const;
export type ReleaseStep = (typeof RELEASE_STEPS)[number];

export type ReleaseKind = 'release' | 'rollback';

/** The compensation after a failure past promotion: production moved back to `to`, and purged. */
export type Compensation = { from: string; to: string; purge: PurgeReport | null };

/** What the `releaseStatus` query answers, and what the report is made of. */
export type ReleaseStatusView = {
  kind: ReleaseKind;
  workflowId: string;
  step: ReleaseStep;
  /** The step in words, as the Web UI's current details show it. */
  stepText: string;
  status: ReleaseStatus;
  requestedBy: string;
  autoApprove: boolean;
  /** null until the release is built. */
  releaseId: string | null;
  /** The plan, with the diff against production. */
  plan: ReleasePlan | null;
  /** A rollback's target: the release whose content it serves again. */
  target: string | null;
  checks: CheckReport | null;
  /** When an unanswered approval wait ends (ISO), while awaiting approval. */
  approvalDeadline: string | null;
  decision: (ReleaseDecision & { approved: boolean }) | null;
  staging: VerifyReport | null;
  purge: PurgeReport | null;
  tag: string | null;
  changelog: string | null;
  production: VerifyReport | null;
  compensation: Compensation | null;
  /** Why it ended other than live. */
  reason: string | null;
  /** The command that puts production back where it was before this one, when production moved. */
  rollbackCommand: string | null;
  startedAt: string;
  /** When each step began (ISO), in order. */
  steps: Array<{ step: ReleaseStep; at: string }>;
  finishedAt: string | null;
};

/** How a release or rollback ended: the final status view. Failed runs carry it in their failure's details. */
export type ReleaseReport = ReleaseStatusView & { finishedAt: string };

/** The exact CLI command that points production back at `releaseId`. */
export function rollbackCommand(releaseId: string): string {
  return `pressroom rollback ${releaseId}`;
}
