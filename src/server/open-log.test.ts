import { expect, test } from "bun:test";
import { memoryLogger } from "../observability/log.ts";
import { OpenLog } from "./open-log.ts";

test("opened connections: a debug line each, and at info one count per flush that had any, by encoding", () => {
  const logger = memoryLogger("debug");
  const log = new OpenLog(logger);
  log.flush();
  expect(logger.entries).toEqual([]);
  log.open(1, "json", "10.0.0.1");
  log.open(2, "msgpack", "10.0.0.2");
  log.open(3, "json", undefined);
  log.flush();
  log.flush();
  expect(logger.entries.map((e) => [e.level, e.event])).toEqual([
    ["debug", "conn.open"], ["debug", "conn.open"], ["debug", "conn.open"], ["info", "conn.opened"],
  ]);
  expect(logger.entries[0]).toMatchObject({ conn: 1, encoding: "json", ip: "10.0.0.1" });
  expect(logger.entries[3]).toMatchObject({ n: 3, json: 2, msgpack: 1 });
  log.open(4, "json", "10.0.0.1");
  log.flush();
  expect(logger.entries.at(-1)).toMatchObject({ event: "conn.opened", n: 1, json: 1, msgpack: 0 });
});

test("at info, a storm of connections is one line per flush, not one per connection", () => {
  const logger = memoryLogger("info");
  const log = new OpenLog(logger);
  for (let i = 0; i < 1000; i++) log.open(i, "json", "10.0.0.1");
  log.flush();
  expect(logger.entries).toHaveLength(1);
  expect(logger.entries[0]).toMatchObject({ event: "conn.opened", n: 1000 });
});
