import { z } from 'zod';

// The release's vocabulary, shared by the workflow (which drives it), the activities (which do its
// work against the store, the cache and the site) and the client and CLI (which show it).

export const Environment = z.enum(['staging', 'production'], 'expected environment as staging or production');
export type Environment = z.infer<typeof Environment>;

/** One article as a release publishes it: the exact revision, served under its slug and title. */
export type ManifestEntry = { sourceId: string; revision: number; slug: string; title: string; contentHash: string };

/** What changed between the release now live and a candidate. Lists are capped for payloads; counts are exact. */
export type ReleaseDiff = {
  added: number;
  updated: number;
  removed: number;
  /** Up to DIFF_SAMPLE source ids of each kind, for reports and the status query. */
  sample: { added: string[]; updated: string[]; removed: string[] };
};

/** At most this many ids of each diff kind travel in workflow payloads; the store holds the rest. */
export const DIFF_SAMPLE = 50;

export type CheckSeverity = 'blocking' | 'warning';

/** One content check's outcome over the whole release, reported separately. */
export type CheckResult = {
  check: string;
  severity: CheckSeverity;
  passed: boolean;
  /** How many articles failed it. */
  failures: number;
  /** A few failing articles with the reason, for the report. */
  examples: Array<{ sourceId: string; message: string }>;
};

export type CheckReport = { passed: boolean; results: CheckResult[] };

/** What building a release returns: its id (derived from the candidate), its base and the diff. */
export type ReleasePlan = {
  releaseId: string;
  manifestHash: string;
  /** The release production pointed at when this one was built (null: nothing released yet). */
  baseRelease: string | null;
  articles: number;
  diff: ReleaseDiff;
};

/** Who decided, and why: an approval or a rejection. */
export type ReleaseDecision = { by: string; reason: string; at: string };

/** A response-time summary of one verification pass, in milliseconds. */
export type Timings = { requests: number; p50: number; p95: number; max: number };

export type VerifyReport = { environment: Environment; checked: number; timings: Timings };

export type PurgeReport = { keys: number; urls: number; requests: number; skipped: boolean };

/** A pointer move as recorded in the audit trail. */
export type PointerMove = { environment: Environment; from: string | null; to: string };

export const RELEASE_STATUSES = ['running', 'awaiting-approval', 'live', 'rejected', 'abandoned', 'failed', 'rolled-back'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
