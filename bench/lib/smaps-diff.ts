/**
 * `bun bench/lib/smaps-diff.ts BEFORE.smaps AFTER.smaps [n]`: where a process's resident memory
 * grew between two /proc/PID/smaps snapshots (bench/rss.ts with $SMAPS_DIR), mapping by mapping
 * (matched by start address), grouped by the mapping's name and size class, largest growth
 * first; with n, per connection. Anonymous mappings have no name: the size of the mapping tells
 * allocators apart (JSC/libpas and mimalloc reserve regions of their own sizes).
 */
import { readFileSync } from "node:fs";

interface Mapping { start: string; size: number; name: string; rss: number; dirty: number }

function parse(file: string): Map<string, Mapping> {
  const maps = new Map<string, Mapping>();
  let cur: Mapping | undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: head[1]!, size: (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 1024, name: head[3] || "[anon]", rss: 0, dirty: 0 };
      maps.set(cur.start, cur);
      continue;
    }
    const f = /^(\w+):\s+(\d+) kB/.exec(line);
    if (f && cur) {
      if (f[1] === "Rss") cur.rss = Number(f[2]);
      if (f[1] === "Private_Dirty") cur.dirty = Number(f[2]);
    }
  }
  return maps;
}

const [beforeFile, afterFile, nArg] = process.argv.slice(2);
if (!beforeFile || !afterFile) throw new Error("usage: bun bench/lib/smaps-diff.ts BEFORE AFTER [n]");
const before = parse(beforeFile), after = parse(afterFile);
const n = Number(nArg ?? 0);
const groups = new Map<string, { rss: number; count: number }>();
const sizeClass = (kb: number) => kb >= 1048576 ? `${Math.round(kb / 1048576)} GB` : kb >= 1024 ? `${Math.round(kb / 1024)} MB` : `${kb} KB`;
for (const m of after.values()) {
  const grew = m.rss - (before.get(m.start)?.rss ?? 0);
  if (grew === 0) continue;
  const key = `${m.name.split("/").at(-1)} ${m.name === "[anon]" ? sizeClass(m.size) : ""}`;
  const g = groups.get(key) ?? { rss: 0, count: 0 };
  g.rss += grew; g.count++;
  groups.set(key, g);
}
for (const m of before.values()) {
  if (after.has(m.start) || m.rss === 0) continue;
  const key = `(unmapped) ${m.name.split("/").at(-1)}`;
  const g = groups.get(key) ?? { rss: 0, count: 0 };
  g.rss -= m.rss; g.count++;
  groups.set(key, g);
}
const total = [...groups.values()].reduce((a, g) => a + g.rss, 0);
for (const [k, g] of [...groups].sort((a, b) => b[1].rss - a[1].rss)) {
  if (Math.abs(g.rss) < 64) continue;
  console.log(`${k.padEnd(40)} ${String(g.count).padStart(5)} mappings ${String(g.rss).padStart(9)} kB${n ? `  ${(g.rss * 1024 / n).toFixed(0).padStart(6)} B per connection` : ""}`);
}
console.log(`total ${total} kB${n ? `, ${(total * 1024 / n).toFixed(0)} B per connection` : ""}`);
