import { describe, expect, it } from 'vitest';
import { releaseInput, releaseWorkflowId, rollbackInput } from '../../src/client/release.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS } from '../../src/domain/release/input.js';

// The client owns the defaults: the workflow input it builds is complete, so history never depends on a default.
describe('release client inputs', () => {
  it('fills in the release defaults and sorts and de-duplicates --only', () => {
    expect(releaseInput({ requestedBy: 'ana' })).toEqual({
      requestedBy: 'ana',
      only: null,
      autoApprove: false,
      approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS,
    });
    expect(releaseInput({ requestedBy: 'ana', only: ['b-id', 'a-id', 'b-id'] }).only).toEqual(['a-id', 'b-id']);
    expect(() => releaseInput({ requestedBy: ' ' })).toThrow(/invalid release request \(requestedBy/);
  });

  it('a rollback without a reason gets one naming who asked, so the bare command a report prints runs as shown', () => {
    expect(rollbackInput({ requestedBy: 'bo' })).toEqual({ requestedBy: 'bo', target: null, reason: 'rollback requested by bo' });
    expect(rollbackInput({ requestedBy: 'bo', target: 'rel-0123456789abcdef', reason: 'bad title' }).reason).toBe('bad title');
  });

  it('names a release workflow from the release id or takes the workflow id as given', () => {
    expect(releaseWorkflowId('rel-0123456789abcdef')).toBe('release-rel-0123456789abcdef');
    expect(releaseWorkflowId('release-rel-0123456789abcdef')).toBe('release-rel-0123456789abcdef');
  });
});
