/**
 * 6. Store: appends through the EventLog port, per adapter, against a raw prepared INSERT of the
 * same rows with the same driver and settings: bun:sqlite here, better-sqlite3 in a Node 20
 * process (store-node.ts), and the in-memory log (no raw counterpart: it is its own floor).
 */
import { Database } from "bun:sqlite";
import { openEventLog } from "../src/store/open-log.ts";
import { fmt, fmtSpread, spread, table } from "./lib/stats.ts";
import { BATCHES, measureSqliteAdapter, portAppends, totalFor, type RawDb, type StoreRow } from "./lib/store-work.ts";
import { atLeast, type BenchOptions, type Section } from "./lib/section.ts";

const BUN_ADAPTER = "bun:sqlite (Bun)";

async function underNode(reps: number, quick: boolean): Promise<StoreRow[]> {
  const proc = Bun.spawn(["node", "--import", "tsx", "bench/store-node.ts", String(reps), quick ? "quick" : "full"], {
    cwd: new URL("..", import.meta.url).pathname, stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`bench/store-node.ts failed (${code}): ${err}`);
  return JSON.parse(out) as StoreRow[];
}

async function inMemory(reps: number, quick: boolean): Promise<StoreRow[]> {
  const rows: StoreRow[] = [];
  for (const batch of BATCHES) {
    const port: number[] = [];
    for (let k = 0; k < reps; k++) {
      const log = await openEventLog({ path: ":memory:", synchronous: "NORMAL", kind: "memory" });
      port.push(portAppends(log, batch, totalFor(batch, quick)));
      log.close();
    }
    rows.push({ adapter: "in-memory", sync: "NORMAL", batch, port, raw: [] });
  }
  return rows;
}

export async function store(o: BenchOptions): Promise<Section> {
  const reps = o.reps ?? (o.quick ? 1 : 3);
  const rows = [
    ...await measureSqliteAdapter(BUN_ADAPTER, (path, synchronous) => openEventLog({ path, synchronous }), (path) => new Database(path, { create: true }) as unknown as RawDb, reps, o.quick),
    ...await underNode(reps, o.quick),
    ...await inMemory(reps, o.quick),
  ];
  const ratio = (x: StoreRow) => spread(x.port).median / spread(x.raw).median;
  return {
    name: "store", title: "6. Store: append throughput",
    markdown: `Rows per second, ${reps} runs each, one transaction per batch, WAL mode. "raw" is a prepared INSERT of the same rows into the same table and indexes with the same driver, seqs kept in a Map — the least a log can do. better-sqlite3 runs under Node 20 (it cannot load in Bun). The in-memory log has no durability setting and no raw counterpart.\n\n` +
      table(["adapter", "synchronous", "batch", "through the port (rows/s)", "raw driver (rows/s)", "port / raw"],
        rows.map((x) => [x.adapter, x.adapter === "in-memory" ? "–" : x.sync, fmt(x.batch), fmtSpread(spread(x.port)),
          x.raw.length ? fmtSpread(spread(x.raw)) : "–", x.raw.length ? fmt(ratio(x), 2) : "–"])),
    json: rows,
    goals: rows.filter((x) => x.batch === 1000 && x.raw.length > 0)
      .map((x) => atLeast(`store, ${x.adapter}, synchronous=${x.sync}, batch 1000: port ≥ 0.7× raw driver`, ratio(x), 0.7)),
  };
}
