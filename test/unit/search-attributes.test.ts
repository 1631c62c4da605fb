import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names.js';
import { ensureSearchAttributes, SearchAttributesMissingError } from '../../src/temporal/search-attributes.js';

const KEYWORD = 2;

function fakeOperator(custom: Record<string, number>, options: { listFails?: boolean; addFails?: boolean } = {}) {
  const added: Array<Record<string, number>> = [];
  return {
    added,
    listSearchAttributes: () =>
      options.listFails ? Promise.reject(new Error('PermissionDenied')) : Promise.resolve({ customAttributes: { ...custom }, systemAttributes: {} }),
    addSearchAttributes: (request: { searchAttributes?: Record<string, number> | null }) => {
      if (options.addFails) return Promise.reject(new Error('PermissionDenied: request unauthorized'));
      added.push({ ...(request.searchAttributes ?? {}) });
      return Promise.resolve({});
    },
  };
}

describe('ensureSearchAttributes', () => {
  it('adds exactly the missing ones, as Keyword', async () => {
    const operator = fakeOperator({ PressroomKind: KEYWORD });
    const added = await ensureSearchAttributes(operator as never, 'default');
    expect(added.sort()).toEqual(
      Object.keys(SEARCH_ATTRIBUTES)
        .filter((n) => n !== 'PressroomKind')
        .sort(),
    );
    expect(operator.added).toEqual([{ PressroomSource: KEYWORD, PressroomOutcome: KEYWORD }]);
  });

  it('does nothing when all exist', async () => {
    const operator = fakeOperator(Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((n) => [n, KEYWORD])));
    expect(await ensureSearchAttributes(operator as never, 'default')).toEqual([]);
    expect(operator.added).toEqual([]);
  });

  it('refuses an attribute of another type, naming it', async () => {
    const operator = fakeOperator({ PressroomKind: 1 });
    await expect(ensureSearchAttributes(operator as never, 'ns')).rejects.toThrow(/PressroomKind must be Keyword/);
  });

  it('refuses to start when they cannot be added, with the commands to run', async () => {
    const operator = fakeOperator({}, { addFails: true });
    const error = await ensureSearchAttributes(operator as never, 'prod').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SearchAttributesMissingError);
    expect((error as Error).message).toContain('temporal operator search-attribute create --namespace prod --name PressroomKind --type Keyword');
  });

  it('only warns when the listing is refused', async () => {
    const warnings: string[] = [];
    const operator = fakeOperator({}, { listFails: true });
    expect(await ensureSearchAttributes(operator as never, 'default', (m) => warnings.push(m))).toEqual([]);
    expect(warnings[0]).toMatch(/could not list the search attributes of namespace default/);
  });
});
