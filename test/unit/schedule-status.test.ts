import { describe, expect, it } from 'vitest';
import { metadataNote, noteEvent, withMetadata } from '../../src/client/schedules/desired.js';
import { localTime, parsePauseNote, pauseNote, runFlags, type RunView } from '../../src/client/schedules/status.js';

// What `schedules list` computes from what Temporal returns: the slow and failing flags, the pause
// note's who/when/why, and fire times as the schedule's zone reads them.

const run = (status: string, seconds: number | null, closed = status !== 'RUNNING'): RunView => ({
  workflowId: `wf-${status}-${seconds}`,
  scheduledAt: '2026-11-20T02:30:00.000Z',
  startedAt: '2026-11-20T02:30:01.000Z',
  status,
  closedAt: closed ? '2026-11-20T02:40:00.000Z' : null,
  durationMs: seconds === null ? null : seconds * 1000,
});

describe('runFlags', () => {
  it('flags runs longer than the expected duration, running ones included', () => {
    expect(runFlags([run('COMPLETED', 60), run('COMPLETED', 40)], '1m')).toEqual([]);
    const flags = runFlags([run('COMPLETED', 60), run('COMPLETED', 61), run('RUNNING', 125)], '1m');
    expect(flags).toEqual(['slow: 2 of the last 3 run(s) took longer than the expected 1m (longest 2m5s)']);
  });

  it('does not count a run that continued as new, nor one whose duration is unknown', () => {
    expect(runFlags([run('CONTINUED_AS_NEW', 600), run('UNKNOWN', null, false)], '1m')).toEqual([]);
  });

  it('flags two failures in a row among the finished runs only', () => {
    expect(runFlags([run('FAILED', 1), run('COMPLETED', 1), run('FAILED', 2)], '1h')).toEqual([]);
    const flags = runFlags([run('COMPLETED', 1), run('TIMED_OUT', 1), run('FAILED', 2), run('RUNNING', 3)], '1h');
    expect(flags).toEqual(['failing: the last two runs failed (wf-TIMED_OUT-1 TIMED_OUT, wf-FAILED-2 FAILED)']);
    expect(runFlags([run('FAILED', 1)], '1h')).toEqual([]);
  });
});

describe('pause notes', () => {
  it('round-trip who, when and why, with the schedule metadata after them', () => {
    const at = new Date('2026-11-25T08:58:03.981Z');
    const memo = { owner: 'content-platform', expectedDuration: '30m', rollbackNote: 're-import the previous export' };
    const note = withMetadata(pauseNote('paused', 'ada', 'moving the inbox: see OPS-12', at), memo);
    expect(note).toBe(
      'paused by ada at 2026-11-25T08:58:03.981Z: moving the inbox: see OPS-12\n\n' +
        '— owner: content-platform · expected duration: 30m · rollback: re-import the previous export',
    );
    expect(parsePauseNote(note)).toEqual({ action: 'paused', by: 'ada', at: at.toISOString(), reason: 'moving the inbox: see OPS-12' });
    expect(noteEvent(note)).toBe('paused by ada at 2026-11-25T08:58:03.981Z: moving the inbox: see OPS-12');
    expect(metadataNote({})).toBe('— owner: ? · expected duration: ? · rollback: ?');
  });

  it('read nothing into a note someone else wrote', () => {
    expect(parsePauseNote('Paused via TypeScript SDK')).toBeNull();
    expect(parsePauseNote(undefined)).toBeNull();
    expect(withMetadata('paused in the Web UI', undefined)).toBe('paused in the Web UI');
  });
});

describe('localTime', () => {
  it("reads an instant in the schedule's zone, with the zone's abbreviation on either side of a DST change", () => {
    expect(localTime(new Date('2027-03-27T05:00:00Z'), 'Europe/Berlin')).toBe('2027-03-27 06:00 CET');
    expect(localTime(new Date('2027-03-28T04:00:00Z'), 'Europe/Berlin')).toBe('2027-03-28 06:00 CEST');
    expect(localTime(new Date('2027-03-28T00:10:00Z'), 'UTC')).toBe('2027-03-28 00:10 UTC');
  });
});
