/**
 * Three (or more) cluster node processes for one `describe` block: a database of their own
 * (dropped after), a folder for their replicas, nodes started in `beforeAll` and stopped in
 * `afterAll` together with every client made through `connect`.
 */
import { afterAll, beforeAll } from "bun:test";
import { createPgDatabase, type PgTestDatabase } from "../../src/store/engine/testing/pg.ts";
import { TestClient } from "./harness.ts";
import { openTempDir, startClusterNode, type Running } from "./server-process.ts";

/** Per step (starting a node, waiting for a frame): generous, for a loaded machine. */
export const STEP_MS = 30_000;

export interface TestCluster {
  readonly nodes: Map<string, Running>;
  readonly db: PgTestDatabase;
  readonly dir: string;
  /** Starts (or restarts) node `id` with the cluster's flags. */
  start(id: string): Promise<Running>;
  /** A client on node `node`, closed after the block. */
  connect(node: string | Running, user: string, opts?: Parameters<typeof TestClient.connect>[2]): Promise<TestClient>;
  /** Closes `c` after the block too (a client opened some other way). */
  track(c: TestClient): TestClient;
}

export function useCluster(dirPrefix: string, ids: readonly string[], extra: string[] = []): TestCluster {
  let db: PgTestDatabase | undefined;
  let dir: string | undefined;
  const nodes = new Map<string, Running>();
  const clients: TestClient[] = [];
  const cluster: TestCluster = {
    nodes,
    get db() { if (!db) throw new Error("the cluster's database is made in beforeAll"); return db; },
    get dir() { if (!dir) throw new Error("the cluster's folder is made in beforeAll"); return dir; },
    async start(id) {
      const n = await startClusterNode(cluster.db.url, cluster.dir, id, extra, STEP_MS);
      nodes.set(id, n);
      return n;
    },
    async connect(node, user, opts = {}) {
      const running = typeof node === "string" ? nodes.get(node) : node;
      if (!running) throw new Error(`no node ${String(node)} is running`);
      return cluster.track(await TestClient.connect(running.url, user, opts));
    },
    track(c) {
      clients.push(c);
      return c;
    },
  };
  beforeAll(async () => {
    db = await createPgDatabase();
    dir = openTempDir(dirPrefix);
    await Promise.all(ids.map((id) => cluster.start(id)));
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([...nodes.values()].map((n) => n.kill(15)));
    await db?.drop();
  }, 60_000);
  return cluster;
}
