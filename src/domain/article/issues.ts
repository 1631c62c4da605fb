// Zod issues → FieldErrors, so canonical JSON and export text report problems in one vocabulary.
import type { z } from 'zod';
import { fieldPath } from './result.js';
import type { FieldError } from './result.js';
import { showValue } from './schema.js';

export function issuesToFieldErrors(issues: ReadonlyArray<z.core.$ZodIssue>): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ field: fieldPath([...issue.path, key]), message: `unexpected key ${showValue(key)}: not part of the canonical article` });
      }
      continue;
    }
    errors.push({ field: fieldPath(issue.path), message: issue.message });
  }
  return errors;
}
