/**
 * What an opened connection leaves in the log: a `conn.open` line at debug, and at info one
 * `conn.opened` line per second that had any, counting them by encoding.
 *
 * Why not a line per connection at info: connections arrive in storms (a deploy, a network
 * blip: every client reconnects at once), and a synchronous line each was 18-25 % of the
 * server's CPU while they poured in (`bun bench/profile-connect.ts`). Each connection still has
 * its own line at info when it ends — `conn.close` (close-log.ts) says who, from which address,
 * how long and why — so the count per second loses only the moment of opening, which
 * `--log-level debug` brings back line by line.
 */
import type { Logger } from "../observability/log.ts";
import type { Encoding } from "../protocol/index.ts";

export class OpenLog {
  private readonly opened: Record<Encoding, number> = { json: 0, msgpack: 0 };

  constructor(private readonly logger: Logger) {}

  /** A WebSocket was accepted (it has a connection actor). */
  open(conn: number, encoding: Encoding, ip: string | undefined): void {
    this.opened[encoding] += 1;
    this.logger.debug("connection opened", { event: "conn.open", conn, encoding, ip });
  }

  /** Writes the count since the last call, if any (every second, and once more at shutdown). */
  flush(): void {
    const { json, msgpack } = this.opened;
    if (json + msgpack === 0) return;
    this.opened.json = 0;
    this.opened.msgpack = 0;
    this.logger.info(`${json + msgpack} connections opened`, { event: "conn.opened", n: json + msgpack, json, msgpack });
  }
}
