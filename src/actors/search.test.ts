import { describe, expect, test } from "bun:test";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";
import { searchStream } from "./search.ts";

async function room(texts: string[]) {
  const th = testHub();
  const ann = await connected(th, "ann");
  ann.send({ type: "join", room: "r" });
  await settle();
  texts.forEach((text, i) => ann.send({ type: "send", to: { room: "r" }, cmid: `m${i}`, text }));
  await settle();
  return { th, ann };
}

describe("search within a stream", () => {
  test("finds messages by their current text, newest first, case-insensitively; deleted ones never match", async () => {
    const { th, ann } = await room(["Deploy on Monday", "lunch?", "deploy failed", "DEPLOY again", "secret deploy"]);
    // seqs: 1 joined, 2..6 messages
    ann.send({ type: "edit", stream: "room:r", seq: 3, cmid: "e1", text: "lunch, then deploy" });
    ann.send({ type: "delete", stream: "room:r", seq: 6, cmid: "d1" });
    ann.send({ type: "edit", stream: "room:r", seq: 4, cmid: "e2", text: "it worked" });
    await settle();
    const r = searchStream(th.log, "room:r", "deploy", undefined, 20, th.hub.projection.changes.get("room:r"));
    expect(r.events.map((e) => [e.seq, e.body.text])).toEqual([[5, "DEPLOY again"], [3, "lunch, then deploy"], [2, "Deploy on Monday"]]);
    expect(r.next).toBeUndefined();
    expect(r.readBytes).toBeGreaterThan(0);
  });

  test("bounded: a limit or the scan budget stops it, and `next` goes on from there", async () => {
    const { th } = await room(Array.from({ length: 30 }, (_, i) => `note ${i + 1}`));
    const first = searchStream(th.log, "room:r", "note", undefined, 5);
    expect(first.events.map((e) => e.body.text)).toEqual(["note 30", "note 29", "note 28", "note 27", "note 26"]);
    const second = searchStream(th.log, "room:r", "note", first.next, 5);
    expect(second.events[0]?.body.text).toBe("note 25");
    const scanLimited = searchStream(th.log, "room:r", "nothing like it", undefined, 5, undefined, 10);
    expect(scanLimited).toMatchObject({ events: [], next: 22 }); // read 10 events (seqs 31..22), found none
  });

  test("bounded by bytes too: big messages stop a call after the page that crosses 512 KiB, and `next` goes on", () => {
    const th = testHub();
    const big = "y".repeat(4000);
    th.log.append(Array.from({ length: 5000 }, (_, i) => ({ stream: "room:b", kind: "message" as const, author: "ann", body: { text: big }, cmid: `b${i}`, at: 1 })));
    const r = searchStream(th.log, "room:b", "no such words", undefined, 20);
    expect(r.events).toEqual([]);
    // Pages of 200 events of ~4 KB: the first page (~820 KB) crosses 512 KiB, so one call reads
    // that page alone (not 5,000 events, 20 MB), and `next` continues from it.
    expect(r.readBytes).toBeGreaterThan(512 * 1024);
    expect(r.readBytes).toBeLessThan(1_000_000);
    expect(r.next).toBe(5000 - 200 + 1);
    const again = searchStream(th.log, "room:b", "no such words", r.next, 20);
    expect(again.next).toBe(5000 - 400 + 1);
  });

  test("a later page never matches a message by text edited away or deleted after that page (found in review)", async () => {
    const { th, ann } = await room(Array.from({ length: 12 }, (_, i) => `note ${i + 1}`)); // seqs 2..13
    ann.send({ type: "edit", stream: "room:r", seq: 3, cmid: "e1", text: "rewritten" }); // "note 2"
    ann.send({ type: "delete", stream: "room:r", seq: 4, cmid: "d1" }); // "note 3"
    ann.send({ type: "edit", stream: "room:r", seq: 5, cmid: "e2", text: "note four, edited" }); // "note 4"
    await settle();
    const changes = th.hub.projection.changes.get("room:r");
    const first = searchStream(th.log, "room:r", "note", undefined, 5, changes);
    expect(first.events.map((e) => e.seq)).toEqual([13, 12, 11, 10, 9]);
    const rest = searchStream(th.log, "room:r", "note", first.next, 50, changes);
    // The edits and the delete sit above `first.next`: a scan of only seqs < 9 cannot see them.
    expect(rest.events.map((e) => [e.seq, e.body.text])).toEqual([[8, "note 7"], [7, "note 6"], [6, "note 5"], [5, "note four, edited"], [2, "note 1"]]);
  });

  test("over the wire: members only, bad queries refused, and rate-limited per connection", async () => {
    const { th, ann } = await room(["alpha", "beta"]);
    const bob = await connected(th, "bob");
    ann.send({ type: "search", id: "s", stream: "room:r", q: "ALP" });
    bob.send({ type: "search", id: "b", stream: "room:r", q: "alp" });
    ann.send({ type: "search", id: "empty", stream: "room:r", q: "  " });
    await settle();
    expect(ann.socket.reply("s")).toMatchObject({ type: "search_results", stream: "room:r", q: "ALP", events: [{ seq: 2, body: { text: "alpha" } }] });
    expect(bob.socket.reply("b")).toMatchObject({ type: "error", code: "not_member" });
    expect(ann.socket.reply("empty")).toMatchObject({ type: "error", code: "invalid_field" });
    for (let i = 0; i < 8; i++) ann.send({ type: "search", id: `x${i}`, stream: "room:r", q: "a" });
    await settle();
    const codes = Array.from({ length: 8 }, (_, i) => ann.socket.reply(`x${i}`)?.type === "error" ? "refused" : "ok");
    expect(codes.filter((c) => c === "refused").length).toBeGreaterThan(0);
    expect(ann.socket.reply("x7")).toMatchObject({ type: "error", code: "rate_limited" });
  });
});
