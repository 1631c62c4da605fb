import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { ErrorType } from '../domain/errors.js';
import { invalidInputMessage } from '../domain/input.js';

/**
 * Parses a workflow's input against its schema, or fails the run at once and for good: a thrown zod
 * error would only fail the workflow task, retried forever, and a half-valid input would run on.
 */
export function parseInput<S extends z.ZodType>(workflowType: string, schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(invalidInputMessage(workflowType, parsed.error), ErrorType.InvalidInput);
  return parsed.data;
}
