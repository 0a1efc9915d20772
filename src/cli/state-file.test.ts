import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryStorage, type OutboxItem, type SavedState } from "../client/index.ts";
import type { WelcomeFrame } from "../protocol/index.ts";
import { StateFile } from "./state-file.ts";

const item = (cmid: string): OutboxItem => ({ cmid, to: { room: "r" }, text: cmid, createdAt: 1, status: "pending" });
const welcome = (heads: Record<string, number>): WelcomeFrame => ({
  type: "welcome", user: "amy", device: "cli-1", epoch: "E1", heartbeatMs: 10_000, reads: {}, limits: { maxPayload: 65536, maxText: 4000 },
  streams: Object.entries(heads).map(([stream, head]) => ({ stream, kind: "room", name: stream.slice(5), head, unread: 0, mentions: 0 })),
});
const saved = (cursors: Record<string, number>, outbox: OutboxItem[] = [], epoch = "E1"): SavedState => ({ epoch, device: "cli-1", cursors, outbox });

describe("what a run saves: cursors mean printed up to here", () => {
  test("streams this run received but did not print keep the value the file had", () => {
    const file = memoryStorage(saved({ "room:a": 3, "room:b": 5 }));
    const s = new StateFile("/x", file);
    s.save(saved({ "room:a": 9, "room:b": 8 })); // the SDK received the replay of both
    s.markShown({ stream: "room:a", seq: 7 }); // but only a's events up to 7 were printed
    s.save(saved({ "room:a": 9, "room:b": 8 }));
    expect(file.state?.cursors).toEqual({ "room:a": 7, "room:b": 5 });
  });

  test("a stream new to the file starts at its head in the welcome: the replay before it is not news", () => {
    const file = memoryStorage(saved({ "room:a": 3 }));
    const s = new StateFile("/x", file);
    s.welcome(welcome({ "room:a": 9, "room:b": 40 }));
    expect(s.unseen({ stream: "room:a", seq: 4 })).toBe(true); // known stream: after the file's cursor
    expect(s.unseen({ stream: "room:b", seq: 40 })).toBe(false); // replayed from where I joined
    expect(s.unseen({ stream: "room:b", seq: 41 })).toBe(true);
    s.save(saved({ "room:a": 9, "room:b": 44 }));
    expect(file.state?.cursors).toEqual({ "room:a": 3, "room:b": 40 });
    expect(s.knew("room:a")).toBe(true);
    expect(s.knew("room:b")).toBe(false);
  });

  test("a stream first met through an event (a new DM, a room just joined) starts right before it", () => {
    const file = memoryStorage(saved({}));
    const s = new StateFile("/x", file);
    s.saw({ stream: "dm:amy:bob", seq: 1 });
    s.saw({ stream: "dm:amy:bob", seq: 2 });
    expect(s.unseen({ stream: "dm:amy:bob", seq: 1 })).toBe(true);
    s.save(saved({ "dm:amy:bob": 2 }));
    expect(file.state?.cursors).toEqual({ "dm:amy:bob": 0 });
    s.markShown({ stream: "dm:amy:bob", seq: 1 });
    expect(s.unseen({ stream: "dm:amy:bob", seq: 1 })).toBe(false);
    s.save(saved({ "dm:amy:bob": 2 }));
    expect(file.state?.cursors).toEqual({ "dm:amy:bob": 1 });
  });

  test("the private user stream is never printed, so it follows the SDK (a short replay next time)", () => {
    const file = memoryStorage(saved({ "user:amy": 2 }));
    new StateFile("/x", file).save(saved({ "user:amy": 9 }));
    expect(file.state?.cursors["user:amy"]).toBe(9);
  });

  test("a new epoch (the server's log was replaced) forgets every old cursor", () => {
    const file = memoryStorage(saved({ "room:a": 30 }));
    const s = new StateFile("/x", file);
    s.markShown({ stream: "room:a", seq: 31 });
    s.save(saved({}, [], "E2"));
    s.welcome(welcome({ "room:a": 2 }));
    s.save(saved({ "room:a": 2 }, [], "E2"));
    expect(file.state).toMatchObject({ epoch: "E2", cursors: { "room:a": 2 } });
  });

  test("nothing is written before a server answered once, so a typo'd --url leaves no file", () => {
    const file = memoryStorage();
    const s = new StateFile("/x", file);
    s.save({ device: "cli-1", cursors: {}, outbox: [] });
    expect(file.state).toBeUndefined();
    s.save(saved({}));
    expect(file.state?.device).toBe("cli-1");
  });
});

describe("two processes on one file", () => {
  test("a save keeps the higher cursor per stream and sends queued by the other process", () => {
    const file = memoryStorage(saved({ "room:a": 3 }, [item("old")]));
    const mine = new StateFile("/x", file);
    // Meanwhile another process printed up to 10 and queued a send of its own.
    file.save(saved({ "room:a": 10 }, [item("old"), item("theirs")]));
    mine.save(saved({ "room:a": 3 }, [item("mine")])); // "old" was acked here, so it is gone from mine
    expect(file.state?.cursors["room:a"]).toBe(10);
    expect(file.state?.outbox.map((i) => i.cmid).sort()).toEqual(["mine", "theirs"]);
  });

  test("a send this process queued and then got acked is not brought back from the file", () => {
    const file = memoryStorage(saved({}));
    const s = new StateFile("/x", file);
    s.save(saved({}, [item("m1")]));
    s.save(saved({}, []));
    expect(file.state?.outbox).toEqual([]);
  });
});

test("a state file that cannot be written is a warning, not a crash (saves also run from timers)", () => {
  const s = new StateFile("/x", { load: () => saved({}), save: () => { throw new Error("EACCES"); } });
  expect(() => s.save(saved({}))).not.toThrow();
});

test("on disk: one JSON file with device, epoch, cursors and outbox", () => {
  const path = join(mkdtempSync(join(tmpdir(), "hubbub-state-")), "sub", "amy.json");
  const s = new StateFile(path);
  expect(s.load()).toBeUndefined();
  s.saw({ stream: "room:a", seq: 2 });
  s.save(saved({ "room:a": 1 }, [item("q")]));
  expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(saved({ "room:a": 1 }, [item("q")]));
  expect(new StateFile(path).load()).toEqual(saved({ "room:a": 1 }, [item("q")]));
});
