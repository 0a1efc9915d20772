/**
 * Where the live objects are: a census of the JS heap by object type AND by what holds each one
 * (its first retainer: holder's type, the edge's name, and the holder's own holder), from a V8-format
 * heap snapshot (`Bun.generateHeapSnapshot("v8")`, after a full GC). Two censuses subtracted and
 * divided by the connections made between them say which field of which object each connection
 * adds (e.g. `string <- RoomPresence.devices > Map` is a map key). Objects kept only by a Map or Set
 * show no retainer ("(root)"): JSC's snapshot has no edges from a table to its keys and values, so
 * such rows name the object's own fields, or a string's text with digits as #, instead. Self sizes
 * leave out out-of-line storage (arrays' elements, a big object's extra properties), so the rows sum
 * to less than the heap's growth.
 */

export type Where = Map<string, { count: number; size: number }>;

/** Takes a snapshot after a full GC and counts its objects by type and first retainer. */
export function whereCensus(): Where {
  Bun.gc(true);
  const j = JSON.parse(Bun.generateHeapSnapshot("v8")) as {
    snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
    nodes: number[]; edges: number[]; strings: string[];
  };
  const nf = j.snapshot.meta.node_fields.length, ef = j.snapshot.meta.edge_fields.length;
  const types = j.snapshot.meta.node_types[0], etypes = j.snapshot.meta.edge_types[0];
  const { nodes, edges, strings } = j;
  const count = nodes.length / nf;
  const parent = new Int32Array(count).fill(-1), via = new Int32Array(count).fill(-1), first = new Int32Array(count);
  for (let i = 0, e = 0; i < count; i++) {
    first[i] = e;
    for (let k = 0; k < nodes[i * nf + 4]!; k++, e++) {
      if (etypes[edges[e * ef]!] === "weak") continue;
      const to = edges[e * ef + 2]! / nf;
      if (parent[to] === -1) { parent[to] = i; via[to] = e; }
    }
  }
  const type = (i: number) => types[nodes[i * nf]!]!;
  const name = (i: number) => `${type(i)}:${strings[nodes[i * nf + 1]!]!.slice(0, 40)}`;
  const edgeName = (e: number) => {
    const t = etypes[edges[e * ef]!];
    return t === "element" || t === "hidden" ? `[${t}]` : strings[edges[e * ef + 1]!]!;
  };
  const out: Where = new Map();
  for (let i = 0; i < count; i++) {
    const p = parent[i]!;
    const isString = type(i).includes("string");
    let what = isString ? type(i) : name(i);
    let holder = "(root)";
    if (p >= 0) {
      const pp = parent[p]!;
      holder = `${name(p)}.${edgeName(via[i]!)}${pp >= 0 ? ` > ${name(pp).slice(0, 30)}.${edgeName(via[p]!)}` : ""}`;
    } else if (isString) {
      what += ` "${strings[nodes[i * nf + 1]!]!.replace(/[0-9]+/g, "#").slice(0, 30)}"`;
    } else if (type(i) === "object") {
      const fields: string[] = [];
      for (let k = 0; k < Math.min(8, nodes[i * nf + 4]!); k++) fields.push(edgeName(first[i]! + k));
      what += `{${fields.join(",")}}`;
    }
    const key = `${what}  <-  ${holder}`;
    const r = out.get(key) ?? { count: 0, size: 0 };
    r.count += 1;
    r.size += nodes[i * nf + 3]!;
    out.set(key, r);
  }
  return out;
}

/** Lines of what grew from `before` to `after`, per connection (of `n`), biggest first. */
export function whereGrowth(before: Where, after: Where, n: number): string[] {
  return [...after]
    .map(([k, v]) => [k, (v.count - (before.get(k)?.count ?? 0)) / n, (v.size - (before.get(k)?.size ?? 0)) / n] as const)
    .filter(([k, c, s]) => (c >= 0.05 || s >= 4) && !k.startsWith("code:") && !k.includes("Structure"))
    .sort((a, b) => b[2] - a[2])
    .map(([k, c, s]) => `${c.toFixed(2).padStart(7)} ${s.toFixed(0).padStart(5)} B  ${k}`);
}
