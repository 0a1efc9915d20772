import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { EventData } from "../protocol/index.ts";
import { mentions as mentionsText } from "../protocol/message-format.ts";
import { createMemoryLog } from "../store/memory-log.ts";
import type { AppendRequest } from "../store/event-log.ts";
import { MENTION_CAP, unreadMentions } from "./mentions.ts";
import { apply, emptyProjection } from "./projection.ts";
import { deserialize, serialize } from "./snapshot.ts";

const ev = (stream: string, kind: AppendRequest["kind"], author: string, body: AppendRequest["body"] = {}): AppendRequest => ({ stream, kind, author, body, at: 1 });

function fold(requests: AppendRequest[]) {
  const log = createMemoryLog();
  const p = emptyProjection();
  for (const o of log.append(requests)) apply(p, o.event);
  return { p, log };
}

describe("unread mentions in the projection", () => {
  test("a member mentioned by someone else counts until read; code, self-mentions and non-members do not", () => {
    const { p } = fold([
      ev("room:a", "joined", "ann"), ev("room:a", "joined", "bob"), // 1, 2
      ev("room:a", "message", "bob", { text: "hi @ann" }), // 3: counts
      ev("room:a", "message", "bob", { text: "`@ann` in code" }), // 4: no
      ev("room:a", "message", "ann", { text: "@ann talks to herself" }), // 5: no
      ev("room:a", "message", "bob", { text: "@cy is not here" }), // 6: cy is no member
      ev("room:a", "message", "bob", { text: "@ann. @ann twice" }), // 7: one message, one mention
      ev("dm:ann:bob", "message", "bob", { text: "@ann psst" }), // dm 1: counts
    ]);
    expect(unreadMentions(p, "ann", "room:a")).toBe(2);
    expect(unreadMentions(p, "cy", "room:a")).toBe(0);
    expect(unreadMentions(p, "ann", "dm:ann:bob")).toBe(1);
    apply(p, { stream: "user:ann", seq: 1, pos: 100, at: 1, author: "ann", kind: "read", body: { stream: "room:a", seq: 3 } });
    expect(unreadMentions(p, "ann", "room:a")).toBe(1);
    apply(p, { stream: "user:ann", seq: 2, pos: 101, at: 1, author: "ann", kind: "read", body: { stream: "room:a", seq: 7 } });
    expect(unreadMentions(p, "ann", "room:a")).toBe(0);
    expect(p.mentions.has("room:a")).toBe(false); // nothing left behind for a stream with no unread mentions
  });

  test("an edit adds or removes a mention, a delete removes it for good, leaving forgets the room's", () => {
    const { p, log } = fold([
      ev("room:a", "joined", "ann"), ev("room:a", "joined", "bob"), // 1, 2
      ev("room:a", "message", "bob", { text: "hello" }), // 3
      ev("room:a", "message", "bob", { text: "@ann see this" }), // 4
    ]);
    const more = (r: AppendRequest[]) => { for (const o of log.append(r)) apply(p, o.event); };
    more([ev("room:a", "edit", "bob", { target: 3, text: "hello @ann" })]);
    expect(p.mentions.get("room:a")?.get("ann")).toEqual([3, 4]);
    more([ev("room:a", "edit", "bob", { target: 4, text: "see this" })]);
    expect(p.mentions.get("room:a")?.get("ann")).toEqual([3]);
    more([ev("room:a", "delete", "bob", { target: 3 }), ev("room:a", "edit", "bob", { target: 3, text: "@ann back?" })]);
    expect(unreadMentions(p, "ann", "room:a")).toBe(0);
    more([ev("room:a", "message", "bob", { text: "@ann once more" }), ev("room:a", "left", "ann")]);
    expect(unreadMentions(p, "ann", "room:a")).toBe(0);
    more([ev("room:a", "joined", "ann"), ev("room:a", "edit", "bob", { target: 4, text: "@ann from before you came back" })]);
    expect(unreadMentions(p, "ann", "room:a")).toBe(0); // the welcome's history starts at the join
  });

  test("being kicked or banned forgets the room's mentions, as leaving does", () => {
    const { p } = fold([
      ev("room:a", "joined", "bob"), ev("room:a", "joined", "ann"), ev("room:a", "joined", "cy"),
      ev("room:a", "message", "bob", { text: "@ann @cy" }),
      ev("room:a", "kicked", "bob", { user: "ann" }), ev("room:a", "banned", "bob", { user: "cy" }),
    ]);
    expect(unreadMentions(p, "ann", "room:a")).toBe(0);
    expect(unreadMentions(p, "cy", "room:a")).toBe(0);
  });

  test(`at most ${MENTION_CAP} are kept per stream and user, the newest`, () => {
    const n = MENTION_CAP + 5;
    const { p } = fold([ev("room:a", "joined", "ann"), ev("room:a", "joined", "bob"), ...Array.from({ length: n }, () => ev("room:a", "message", "bob", { text: "@ann" }))]);
    const seqs = p.mentions.get("room:a")?.get("ann") ?? [];
    expect(seqs.length).toBe(MENTION_CAP);
    expect(seqs.at(-1)).toBe(n + 2);
  });

  test("survives a snapshot round-trip", () => {
    const { p } = fold([ev("room:a", "joined", "ann"), ev("room:a", "joined", "bob"), ev("room:a", "message", "bob", { text: "@ann" })]);
    expect(unreadMentions(deserialize(serialize(p), p.pos), "ann", "room:a")).toBe(1);
  });

  /**
   * Model: recount from the whole log, as a client with all history loaded would — messages by
   * others after the user's read cursor and (in a room) after the user's latest join, not deleted,
   * whose latest text mentions the user, while the user is a member.
   */
  test("equals a recount from the whole log, for any mix of messages, edits, deletes, reads, joins and leaves", () => {
    const users = ["ann", "bob", "cy"] as const;
    const streams = ["room:a", "dm:ann:bob"] as const;
    const user = fc.constantFrom(...users);
    const text = fc.array(fc.constantFrom("hi", "@ann", "@bob", "@cy", "`@ann`", "@ann.", "x@ann"), { minLength: 1, maxLength: 3 }).map((w) => w.join(" "));
    type Step = { t: "join" | "leave"; u: string } | { t: "say"; s: string; u: string; text: string } | { t: "edit" | "delete"; s: string; nth: number; text: string } | { t: "read"; s: string; u: string; back: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ t: fc.constantFrom("join" as const, "leave" as const), u: user }),
      fc.record({ t: fc.constant("say" as const), s: fc.constantFrom(...streams), u: user, text }),
      fc.record({ t: fc.constantFrom("edit" as const, "delete" as const), s: fc.constantFrom(...streams), nth: fc.nat(20), text }),
      fc.record({ t: fc.constant("read" as const), s: fc.constantFrom(...streams), u: user, back: fc.nat(4) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const log = createMemoryLog();
      const p = emptyProjection();
      const members = new Set<string>();
      const run = (r: AppendRequest) => { for (const o of log.append([r])) apply(p, o.event); };
      for (const st of steps) {
        if (st.t === "join" && !members.has(st.u)) { members.add(st.u); run(ev("room:a", "joined", st.u)); }
        else if (st.t === "leave" && members.has(st.u)) { members.delete(st.u); run(ev("room:a", "left", st.u)); }
        else if (st.t === "say") {
          const ok = st.s === "room:a" ? members.has(st.u) : st.u !== "cy";
          if (ok) run(ev(st.s, "message", st.u, { text: st.text }));
        } else if (st.t === "edit" || st.t === "delete") {
          const msgs = log.readAfter(st.s, 0, 1000).filter((e) => e.kind === "message");
          const m = msgs[st.nth % Math.max(1, msgs.length)];
          if (m) run(ev(st.s, st.t, m.author, st.t === "edit" ? { target: m.seq, text: st.text } : { target: m.seq }));
        } else if (st.t === "read") {
          run(ev(`user:${st.u}`, "read", st.u, { stream: st.s, seq: Math.max(0, log.head(st.s) - st.back) }));
        }
      }
      for (const u of users) for (const s of streams) expect({ u, s, n: unreadMentions(p, u, s) }).toEqual({ u, s, n: recount(log.readAll(0, 10_000), u, s) });
    }), { numRuns: 300 });
  });
});

function recount(all: EventData[], user: string, stream: string): number {
  let read = 0;
  let joinedAt: number | undefined = stream.startsWith("dm:") ? (stream.split(":").includes(user) ? 0 : undefined) : undefined;
  const text = new Map<number, { author: string; text: string | null }>();
  for (const e of all) {
    if (e.stream === `user:${user}` && e.kind === "read" && e.body.stream === stream) read = Math.max(read, Number(e.body.seq));
    if (e.stream !== stream) continue;
    if (e.kind === "joined" && e.author === user) joinedAt = e.seq;
    if (e.kind === "left" && e.author === user) joinedAt = undefined;
    if (e.kind === "message") text.set(e.seq, { author: e.author, text: String(e.body.text) });
    const t = text.get(Number(e.body.target));
    if (e.kind === "edit" && t && t.text !== null) t.text = String(e.body.text);
    if (e.kind === "delete" && t) t.text = null;
  }
  if (joinedAt === undefined) return 0;
  let n = 0;
  for (const [seq, m] of text) if (seq > read && seq > joinedAt && m.author !== user && m.text !== null && mentionsText(m.text, user)) n += 1;
  return n;
}
