import { describe, expect, it } from 'vitest';
import type { SyncProblem } from '../api/problems';
import { groupProblems } from './problems';

function problem(id: string, causedBy: string | null = null): SyncProblem {
  return {
    intent_id: id,
    created_at: '2021-05-15T00:00:00Z',
    settled_at: null,
    action: { type: 'check_in', booking_id: `b-${id}` },
    rejection: { code: 'x', message_ja: '', message_en: '', alternatives: [], caused_by: causedBy },
    resident: null,
    called_at: null,
  };
}

describe('groupProblems', () => {
  it('puts each refusal under the one that caused it, directly or not', () => {
    const groups = groupProblems([problem('a'), problem('b', 'a'), problem('c'), problem('d', 'b')]);
    expect(groups.map((g) => [g.problem.intent_id, g.dependants.map((d) => d.intent_id)])).toEqual([
      ['a', ['b', 'd']],
      ['c', []],
    ]);
  });

  it('keeps a refusal whose cause is gone as its own', () => {
    const groups = groupProblems([problem('b', 'gone')]);
    expect(groups.map((g) => g.problem.intent_id)).toEqual(['b']);
  });
});
