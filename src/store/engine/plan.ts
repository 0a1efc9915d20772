/**
 * The part of an append every engine decides the same way, written once: for each request of a
 * batch, in order, is it a duplicate, rejected by its guard, or appended (and as which event of
 * its stream and of the batch)? An engine calls this inside its transaction, after reading the
 * originals of the batch's cmids and the facts its guards and effects name, and then writes what
 * the plan says. Pure: no I/O. The memory and SQLite engines use it; PostgreSQL decides the same
 * rules inside its append statement (pg/migrations/0001_append_function.sql, so that an append is
 * one round trip), and the contract suite (engine.contract.ts) keeps the three from drifting apart.
 */
import type { AppendResult, EngineRequest, Fact, RejectionCode, StoredEvent } from "./engine.ts";

export type Planned =
  | { type: "duplicate"; event: StoredEvent }
  /** A repeat of an (author, cmid) appended earlier in this same batch. */
  | { type: "repeat"; of: number }
  | { type: "rejected"; code: RejectionCode; fact: Fact }
  /** `offset`: 1-based among the batch's appended events (pos = head + offset); `nth`: 1-based within its stream in this batch. */
  | { type: "append"; offset: number; nth: number; body: string };

export interface BatchPlan {
  items: Planned[];
  /** Appended events per stream. */
  counts: Map<string, number>;
  appended: number;
  /** The net change of every fact the batch touched: true = holds after the batch. */
  factChanges: Map<string, { fact: Fact; holds: boolean }>;
}

export interface PlanLookups {
  /** The committed event with this (author, cmid), if any. */
  original(author: string, cmid: string): StoredEvent | undefined;
  /** Whether the fact holds in the committed state (before this batch). */
  holds(fact: Fact): boolean;
}

export const factKey = (f: Fact): string => `${f.scope}\u0000${f.key}`;
export const cmidKey = (author: string, cmid: string): string => `${author}\u0000${cmid}`;

/** The (author, cmid) pairs an engine must look up before planning. */
export function cmidsOf(requests: readonly EngineRequest[]): { author: string; cmid: string }[] {
  const seen = new Map<string, { author: string; cmid: string }>();
  for (const r of requests) if (r.cmid !== undefined) seen.set(cmidKey(r.author, r.cmid), { author: r.author, cmid: r.cmid });
  return [...seen.values()];
}

/** Every fact the batch's guards read or its effects write, once each. */
export function factsOf(requests: readonly EngineRequest[]): Fact[] {
  const seen = new Map<string, Fact>();
  const add = (fs: readonly Fact[] | undefined) => { for (const f of fs ?? []) seen.set(factKey(f), f); };
  for (const r of requests) {
    add(r.guard?.require); add(r.guard?.forbid); add(r.effects?.add); add(r.effects?.remove);
  }
  return [...seen.values()];
}

/**
 * Plans a batch. Throws (so the engine's transaction rolls back, keeping nothing) if a body to be
 * appended cannot be stored as JSON.
 */
export function planBatch(requests: readonly EngineRequest[], look: PlanLookups): BatchPlan {
  const items: Planned[] = [];
  const counts = new Map<string, number>();
  const inBatch = new Map<string, number>(); // cmid key -> index of the request that appended it
  const changes = new Map<string, { fact: Fact; holds: boolean }>();
  const holds = (f: Fact) => changes.get(factKey(f))?.holds ?? look.holds(f);
  let appended = 0;
  requests.forEach((r, i) => {
    const key = r.cmid === undefined ? undefined : cmidKey(r.author, r.cmid);
    if (key !== undefined && r.cmid !== undefined) {
      const earlier = inBatch.get(key);
      if (earlier !== undefined) return void items.push({ type: "repeat", of: earlier });
      const original = look.original(r.author, r.cmid);
      if (original) return void items.push({ type: "duplicate", event: original });
    }
    const missing = r.guard?.require?.find((f) => !holds(f));
    if (missing) return void items.push({ type: "rejected", code: "fact_missing", fact: missing });
    const present = r.guard?.forbid?.find((f) => holds(f));
    if (present) return void items.push({ type: "rejected", code: "fact_present", fact: present });
    const body = JSON.stringify(r.body);
    if (typeof body !== "string") throw new TypeError("event body is not JSON");
    appended += 1;
    const nth = (counts.get(r.stream) ?? 0) + 1;
    counts.set(r.stream, nth);
    if (key !== undefined) inBatch.set(key, i);
    for (const f of r.effects?.remove ?? []) changes.set(factKey(f), { fact: f, holds: false });
    for (const f of r.effects?.add ?? []) changes.set(factKey(f), { fact: f, holds: true });
    items.push({ type: "append", offset: appended, nth, body });
  });
  return { items, counts, appended, factChanges: changes };
}

/**
 * Turns a plan into results once the engine knows, per stream, the seq just before the batch's
 * first event of it (`seqBefore`) and the global head before the batch (`posBefore`).
 */
export function resultsOf(
  requests: readonly EngineRequest[], plan: BatchPlan, seqBefore: (stream: string) => number, posBefore: number,
): AppendResult[] {
  const out: AppendResult[] = [];
  plan.items.forEach((p, i) => {
    switch (p.type) {
      case "duplicate": out.push({ status: "duplicate", event: p.event }); return;
      case "repeat": {
        const first = out[p.of];
        if (first?.status !== "appended") throw new Error("plan: a repeat must point at an appended request");
        out.push({ status: "duplicate", event: first.event });
        return;
      }
      case "rejected": out.push({ status: "rejected", code: p.code, fact: p.fact }); return;
      case "append": {
        const r = requests[i]!;
        const event: StoredEvent = {
          stream: r.stream, seq: seqBefore(r.stream) + p.nth, pos: posBefore + p.offset,
          // The request's own body object, as the EventLog returns it: `p.body` is what was stored.
          at: r.at, author: r.author, kind: r.kind, body: r.body,
        };
        if (r.cmid !== undefined) event.cmid = r.cmid;
        out.push({ status: "appended", event });
        return;
      }
      default: {
        const never: never = p;
        throw new Error(`unknown plan item ${String(never)}`);
      }
    }
  });
  return out;
}
