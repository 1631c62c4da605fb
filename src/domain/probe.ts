import { z } from 'zod';

// The plumbing probe's input and result: one row written through an activity and read back.

export const ProbeWorkflowInput = z.strictObject({
  key: z.string('expected a string key').min(1, 'expected a non-empty key').max(200, 'expected at most 200 characters'),
  value: z.string('expected a string value').max(10_000, 'expected at most 10,000 characters'),
  /** Fail the write on purpose this many times first (tests of the retry policy); absent means never. */
  failFirstAttempts: z
    .number('expected a whole number')
    .int('expected a whole number')
    .min(0, 'expected 0 or more')
    .max(100, 'expected at most 100')
    .optional(),
});
export type ProbeWorkflowInput = z.infer<typeof ProbeWorkflowInput>;

export type ProbeWorkflowResult = { key: string; value: string; attempts: number };
