import { describe, expect, test } from "bun:test";
import type { PageFrame } from "../protocol/index.ts";
import { PAGE_BYTES } from "./connection.ts";
import { connected, settle, testHub } from "../server/testing/hub-harness.ts";

/** ann in room r1 with `n` messages of 4,000 characters (about 4 KB each on the wire). */
async function bigRoom(n: number, config = {}) {
  const th = testHub({ config });
  const ann = await connected(th, "ann");
  ann.send({ type: "join", room: "r1" });
  await settle();
  for (let i = 0; i < n; i++) ann.send({ type: "send", to: { room: "r1" }, cmid: `m${i}`, text: "x".repeat(4000) });
  await settle();
  return { th, ann };
}

describe("history is charged by the work it makes", () => {
  test("a page stops at PAGE_BYTES and says more; paging back returns every event once", async () => {
    const { th, ann } = await bigRoom(300);
    const head = th.log.head("room:r1");
    const seen: number[] = [];
    let before: number | undefined;
    for (let i = 0; i < 20; i++) {
      ann.send({ type: "history", id: `h${i}`, stream: "room:r1", limit: 500, ...(before ? { before } : {}) });
      await settle();
      const page = ann.socket.reply(`h${i}`) as PageFrame;
      expect(page.type).toBe("page");
      expect(JSON.stringify(page).length).toBeLessThan(PAGE_BYTES + 16 * 1024);
      seen.unshift(...page.events.map((e) => e.seq));
      if (!page.more) break;
      before = page.events[0]!.seq;
    }
    expect(seen).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect((ann.socket.reply("h0") as PageFrame).events.at(-1)?.seq).toBe(head); // the newest first
    ann.send({ type: "history", id: "fwd", stream: "room:r1", after: 0, limit: 500 });
    await settle();
    const fwd = ann.socket.reply("fwd") as PageFrame;
    expect(fwd.events[0]?.seq).toBe(1);
    expect(fwd.more).toBe(true);
  });

  test("small events: a 500-event request is read in chunks and still returns every event asked for, in order", async () => {
    const th = testHub();
    const ann = await connected(th, "ann");
    ann.send({ type: "join", room: "r1" });
    await settle();
    for (let i = 0; i < 320; i++) ann.send({ type: "send", to: { room: "r1" }, cmid: `m${i}`, text: `${i}` });
    await settle();
    const head = th.log.head("room:r1");
    const all = Array.from({ length: head }, (_, i) => i + 1);
    for (const [id, frame, want] of [
      ["b", { before: head + 1, limit: 500 }, all],
      ["b2", { before: 200, limit: 120 }, all.slice(79, 199)],
      ["a", { after: 0, limit: 500 }, all],
      ["a2", { after: 100, limit: 75 }, all.slice(100, 175)],
    ] as const) {
      ann.send({ type: "history", id, stream: "room:r1", ...frame });
      await settle();
      expect((ann.socket.reply(id) as PageFrame).events.map((e) => e.seq)).toEqual([...want]);
    }
  });

  test("a burst of big history requests is refused with rate_limited once the user's read budget is spent", async () => {
    const { ann } = await bigRoom(300, { readRateLimit: 256 * 1024 }); // burst 512 KB: about two full pages
    for (let i = 0; i < 30; i++) ann.send({ type: "history", id: i, stream: "room:r1", limit: 500 });
    await settle();
    const pages = ann.socket.ofType("page").length;
    const limited = ann.socket.ofType("error").filter((e) => e.code === "rate_limited").length;
    expect(pages).toBeLessThanOrEqual(4);
    expect(pages + limited).toBe(30);
  });

  test("a burst of big pages is not built in one block: past 1 MiB queued, the next page waits for a turn", async () => {
    const { ann } = await bigRoom(300, { readRateLimit: 0 });
    for (let i = 0; i < 12; i++) ann.send({ type: "history", id: `q${i}`, stream: "room:r1", limit: 500 });
    await Promise.resolve();
    expect(ann.socket.ofType("page").length).toBeLessThan(12); // was 12: all in the frames' own turn
    await settle(40);
    expect(ann.socket.ofType("page").length).toBe(12);
  });

  test("a socket that takes every byte at once still gets at most ~512 KiB of pages in the turn its frames arrive", async () => {
    // Bun hands each frame of one read to the transport in turn and runs microtasks between
    // them, so each page is written (flushed) before the next frame: a loopback socket never
    // shows a backlog. 34 pages of 256 KiB were built in one turn that way (abuse bench).
    const { th } = await bigRoom(300, { readRateLimit: 0 });
    const bob = await connected(th, "ann", "d2");
    for (let i = 0; i < 12; i++) {
      bob.send({ type: "history", id: `q${i}`, stream: "room:r1", limit: 500 });
      for (let k = 0; k < 4; k++) await Promise.resolve(); // the microtasks between two frames of one read
    }
    expect(bob.socket.buffered).toBe(0);
    // 512 KiB a turn, checked before each page: pages of a little under 256 KiB, so two fit and the third crosses the line.
    expect(bob.socket.ofType("page").length).toBeLessThanOrEqual(3); // was 12
    await settle(40);
    expect(bob.socket.ofType("page").length).toBe(12);
  });

  test("while the socket has a backlog, the next page waits for it to drain", async () => {
    const { ann } = await bigRoom(10);
    ann.socket.buffered = 2 << 20;
    ann.send({ type: "history", id: "h", stream: "room:r1" });
    ann.send({ type: "ping", id: "p" });
    await settle();
    expect(ann.socket.reply("h")).toBeUndefined();
    expect(ann.socket.reply("p")).toBeUndefined(); // commands stay in order behind it
    ann.socket.buffered = 0;
    await settle();
    expect(ann.socket.reply("h")).toMatchObject({ type: "page" });
    expect(ann.socket.reply("p")).toMatchObject({ type: "pong" });
  });
});
