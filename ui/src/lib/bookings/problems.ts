// 同期の問題: refusals grouped as the engine resolves them. A refusal caused by another (an
// intent that depended on it) goes with its cause: resolving the first resolves them all.
import type { SyncProblem } from '../api/problems';

export type ProblemGroup = { problem: SyncProblem; dependants: SyncProblem[] };

export function groupProblems(problems: readonly SyncProblem[]): ProblemGroup[] {
  const byId = new Map(problems.map((p) => [p.intent_id, p]));
  const rootOf = (p: SyncProblem): SyncProblem => {
    const seen = new Set<string>();
    let current = p;
    while (current.rejection.caused_by && !seen.has(current.intent_id)) {
      seen.add(current.intent_id);
      const cause = byId.get(current.rejection.caused_by);
      if (!cause) break;
      current = cause;
    }
    return current;
  };
  const groups = new Map<string, ProblemGroup>();
  for (const p of problems) {
    const root = rootOf(p);
    let group = groups.get(root.intent_id);
    if (!group) {
      group = { problem: root, dependants: [] };
      groups.set(root.intent_id, group);
    }
    if (root !== p) group.dependants.push(p);
  }
  return [...groups.values()];
}
