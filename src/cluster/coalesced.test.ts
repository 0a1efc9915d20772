import { expect, test } from "bun:test";
import { coalesced } from "./coalesced.ts";

test("coalesced reads: callers while a read is under way share one fresh read sent after it; each answer was read after its caller asked", async () => {
  let reads = 0;
  const pending: ((n: number) => void)[] = [];
  const read = coalesced(() => { reads += 1; const n = reads; return new Promise<number>((r) => pending.push(() => r(n))); });

  const first = read();           // read 1 starts
  const late = [read(), read()];  // asked while 1 is under way: they need a read started after them
  expect(reads).toBe(1);
  pending.shift()!(0);
  expect(await first).toBe(1);
  await new Promise((r) => setTimeout(r, 0));
  expect(reads).toBe(2);          // one read for both late callers
  const later = read();           // asked while read 2 is under way
  pending.shift()!(0);
  expect(await Promise.all(late)).toEqual([2, 2]);
  await new Promise((r) => setTimeout(r, 0));
  expect(reads).toBe(3);
  pending.shift()!(0);
  expect(await later).toBe(3);

  // A failed read fails its callers only; the next caller reads again.
  const failing = coalesced(() => Promise.reject(new Error("store down")));
  await expect(failing()).rejects.toThrow("store down");
  await expect(failing()).rejects.toThrow("store down");
});
