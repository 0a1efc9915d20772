import { bunSqlClient } from "../store/engine/pg/bun-sql.ts";
import { PG_URL } from "../store/engine/testing/pg.ts";
import { MemoryPresenceNetwork } from "./memory-presence-bus.ts";
import { presenceBusContract } from "./presence-bus.contract.ts";
import { pgPresenceBus } from "./pg-presence-bus.ts";
import type { PresenceBus } from "./presence-bus.ts";

presenceBusContract({
  name: "memory",
  async create() {
    const net = new MemoryPresenceNetwork();
    return { bus: async () => net.bus(), dispose: async () => {} };
  },
});

presenceBusContract({
  name: "postgres (LISTEN/NOTIFY, a channel per test)",
  async create() {
    const channel = `hubbub_presence_t${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
    const opened: PresenceBus[] = [];
    return {
      async bus() {
        const b = pgPresenceBus(bunSqlClient({ url: PG_URL, max: 2, applicationName: "hubbub-test-presence" }), channel);
        opened.push(b);
        return b;
      },
      async dispose() { for (const b of opened) await b.close().catch(() => {}); },
    };
  },
});
