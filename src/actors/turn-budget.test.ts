import { expect, test } from "bun:test";
import { TurnBudget } from "./turn-budget.ts";

test("a turn budget lets at most perTurn units run per event-loop turn, shared by every taker, in order", async () => {
  const budget = new TurnBudget(4);
  let turn = 0;
  let ticking = true;
  const tick = () => { if (ticking) { turn += 1; setImmediate(tick); } };
  setImmediate(tick);
  const log: [string, number][] = [];
  const worker = async (name: string, chunks: number) => {
    for (let i = 0; i < chunks; i++) {
      await budget.take(2);
      log.push([name, turn]);
    }
  };
  await Promise.all([worker("a", 4), worker("b", 4), worker("c", 4)]);
  ticking = false;
  const perTurn = new Map<number, number>();
  for (const [, t] of log) perTurn.set(t, (perTurn.get(t) ?? 0) + 2);
  expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(4);
  expect(log.length).toBe(12);
  expect(new Set(log.map(([, t]) => t)).size).toBeGreaterThanOrEqual(6); // 24 units at 4 per turn
});

test("work whose size is known only once done: it runs while the turn has room, spends after, and the next waits for a turn with room", async () => {
  const budget = new TurnBudget(10);
  expect(budget.hasRoom()).toBe(true);
  budget.spend(25); // one chunk may cross the line; what comes after it waits
  expect(budget.hasRoom()).toBe(false);
  let ran = false;
  const later = budget.room().then(() => { ran = true; });
  await Promise.resolve();
  expect(ran).toBe(false);
  await later;
  expect(budget.hasRoom()).toBe(true);
});
