import type { Connection } from '@temporalio/client';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { SEARCH_ATTRIBUTES } from '../domain/names.js';

// Every Pressroom workflow upserts its search attributes on its first task; on a namespace that lacks
// them that task fails, and is retried, forever. So the worker makes sure they exist before it polls:
// it registers the missing ones (a dev server, a self-hosted cluster), and refuses to start with the
// command to run where it may not (Temporal Cloud registers them through its own API or UI).

/** temporal.api.enums.v1.IndexedValueType: wire values, fixed by the protocol. */
const INDEXED_VALUE_TYPE = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 } as const;

type Operator = Pick<Connection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;

export class SearchAttributesMissingError extends PressroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorType.InvalidConfig, message, options);
  }
}

function createCommands(names: readonly string[], namespace: string): string {
  return names
    .map(
      (name) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES]}`,
    )
    .join('; ');
}

/**
 * Registers Pressroom's search attributes that the namespace lacks and returns their names. A listing
 * the server refuses is not fatal (the worker may lack operator rights, and the attributes may well
 * exist); an attribute with another type, or one that cannot be added, is: no workflow could run.
 */
export async function ensureSearchAttributes(operator: Operator, namespace: string, warn: (message: string) => void = () => undefined): Promise<string[]> {
  let existing: Record<string, number>;
  try {
    const listed = await operator.listSearchAttributes({ namespace });
    existing = { ...(listed.systemAttributes ?? {}), ...(listed.customAttributes ?? {}) };
  } catch (error) {
    warn(`could not list the search attributes of namespace ${namespace} (${error instanceof Error ? error.message : String(error)}); assuming they exist`);
    return [];
  }
  const wrongType = Object.entries(SEARCH_ATTRIBUTES).filter(([name, type]) => name in existing && existing[name] !== INDEXED_VALUE_TYPE[type]);
  if (wrongType.length > 0) {
    throw new SearchAttributesMissingError(
      `namespace ${namespace} has the search attribute(s) ${wrongType.map(([name]) => name).join(', ')} with another type than Pressroom's ` +
        `(${wrongType.map(([name, type]) => `${name} must be ${type}`).join(', ')}); remove them or use another namespace (TEMPORAL_NAMESPACE). Retrying will not help.`,
    );
  }
  const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in existing));
  if (missing.length === 0) return [];
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, INDEXED_VALUE_TYPE[SEARCH_ATTRIBUTES[name as keyof typeof SEARCH_ATTRIBUTES]]])),
    });
  } catch (error) {
    throw new SearchAttributesMissingError(
      `namespace ${namespace} lacks Pressroom's search attribute(s) ${missing.join(', ')} and the worker could not register them ` +
        `(${error instanceof Error ? error.message : String(error)}); register them once, then start the worker again: ${createCommands(missing, namespace)}`,
      { cause: error },
    );
  }
  return missing;
}
