import type { z } from 'zod';

// How a workflow input that failed its schema is reported: every problem, each naming its field, so the
// failure in the Web UI says what to fix without reading the code.

/** `paths.0: expected an absolute path; batchSize: Invalid input: expected number, received undefined`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`).join('; ');
}

/** The message a workflow fails with when its input does not match its schema. */
export function invalidInputMessage(workflowType: string, error: z.ZodError): string {
  return `invalid ${workflowType} input (${describeIssues(error)}); see README "Workflows" for the expected shape`;
}
