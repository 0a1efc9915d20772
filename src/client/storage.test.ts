import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localStorageStorage } from "./storage-browser.ts";
import { fileStorage } from "./storage-file.ts";
import { memoryStorage, normaliseSaved, type ClientStorage, type SavedState } from "./storage.ts";

/** A Storage backed by a Map, as the browser's localStorage behaves. */
function fakeLocalStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; },
    key: (i: number) => [...m.keys()][i] ?? null,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => { m.set(k, String(v)); },
    removeItem: (k: string) => { m.delete(k); },
    clear: () => m.clear(),
  };
}

const sample: SavedState = {
  epoch: "e1", device: "cli-1", cursors: { "room:a": 4, "user:ann": 2 },
  outbox: [{ cmid: "c1", to: { room: "a" }, text: "hi", createdAt: 5, status: "pending" }],
};

/** The one contract every storage meets; a factory returns two handles on the same place. */
function contract(name: string, open: () => { a: ClientStorage; b: () => ClientStorage }) {
  describe(`${name} storage`, () => {
    test("starts empty", () => expect(open().a.load()).toBeUndefined());
    test("what one instance saves, a new instance on the same place loads", () => {
      const { a, b } = open();
      a.save(sample);
      expect(b().load()).toEqual(sample);
    });
    test("the last save wins, and later changes to the saved object do not leak in", () => {
      const { a, b } = open();
      const s = structuredClone(sample);
      a.save(s);
      a.save({ ...s, outbox: [] });
      s.cursors["room:a"] = 99;
      expect(b().load()).toEqual({ ...sample, outbox: [] });
    });
  });
}

contract("memory", () => { const a = memoryStorage(); return { a, b: () => a }; });
contract("localStorage", () => { const ls = fakeLocalStorage(); return { a: localStorageStorage("k", ls), b: () => localStorageStorage("k", ls) }; });
contract("file", () => {
  const path = join(mkdtempSync(join(tmpdir(), "hubbub-sdk-")), "nested", "state.json");
  return { a: fileStorage(path), b: () => fileStorage(path) };
});

test("a corrupt file or localStorage entry loads as nothing instead of throwing", () => {
  const dir = mkdtempSync(join(tmpdir(), "hubbub-sdk-"));
  writeFileSync(join(dir, "s.json"), "{not json");
  expect(fileStorage(join(dir, "s.json")).load()).toBeUndefined();
  const ls = fakeLocalStorage();
  ls.setItem("k", "{oops");
  expect(localStorageStorage("k", ls).load()).toBeUndefined();
});

test("the file is replaced atomically: no temporary file is left behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "hubbub-sdk-"));
  const f = fileStorage(join(dir, "s.json"));
  for (let i = 0; i < 3; i++) f.save({ ...sample, cursors: { "room:a": i } });
  expect(readdirSync(dir)).toEqual(["s.json"]);
});

test("a full localStorage does not break the client: the save is skipped", () => {
  const ls = fakeLocalStorage();
  ls.setItem = () => { throw new DOMException("quota", "QuotaExceededError"); };
  expect(() => localStorageStorage("k", ls).save(sample)).not.toThrow();
});

test("loaded state is normalised: bad cursors and outbox entries are dropped, the rest kept", () => {
  expect(normaliseSaved(undefined)).toEqual({ epoch: undefined, device: undefined, cursors: {}, outbox: [] });
  expect(normaliseSaved({
    epoch: 3, device: "d", cursors: { "room:a": 2, "room:b": -1, "room:c": "7", "room:d": 1.5 },
    outbox: [sample.outbox[0], { cmid: "x" }, null, { ...sample.outbox[0], to: {} }],
  })).toEqual({ epoch: undefined, device: "d", cursors: { "room:a": 2 }, outbox: [sample.outbox[0]!] });
});
