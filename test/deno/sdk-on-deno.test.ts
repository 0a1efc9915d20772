/**
 * The SDK under Deno against a real server (Bun, as a child process), with Deno's own WebSocket:
 * the Deno twin of test/node/sdk-on-node.test.ts. Run by `npm run test:deno`.
 */
import { spawn } from "node:child_process";
import { expect, test } from "bun:test";
import { HubbubClient } from "../../src/client/index.ts";

const root = new URL("../..", import.meta.url).pathname;

/** Resolves with `p`, or fails after `ms`: every wait here has its own limit. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test("the SDK connects, joins, sends and receives under Deno, in both encodings", async () => {
  const server = spawn(`${root}node_modules/.bin/bun`, ["run", "src/main.ts", "--port", "0", "--db", ":memory:"], { cwd: root });
  const clients: HubbubClient[] = [];
  try {
    const url = await within(new Promise<string>((resolve, reject) => {
      let out = "";
      server.stdout!.on("data", (d: Uint8Array) => {
        out += new TextDecoder().decode(d);
        const m = /^hubbub listening on (\S+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
    }), 30_000, "server start");
    const a = new HubbubClient({ url, user: "denouser", client: "deno" });
    const b = new HubbubClient({ url, user: "other", client: "deno", encoding: "msgpack" });
    clients.push(a, b);
    const live = (c: HubbubClient) => new Promise<void>((r) => { const off = c.on("state", (s) => { if (s.name === "live") { off(); r(); } }); c.connect(); });
    await within(Promise.all([live(a), live(b)]), 15_000, "both live");
    await within(a.join("d"), 15_000, "a joins");
    await within(b.join("d"), 15_000, "b joins");
    const got = new Promise<string>((r) => b.on("event", (e) => { if (e.kind === "message") r(String(e.body.text)); }));
    const ack = await within(a.send({ room: "d" }, "hello from deno").acked, 15_000, "ack");
    expect(ack.stream).toBe("room:d");
    expect(await within(got, 15_000, "delivery")).toBe("hello from deno");
  } finally {
    for (const c of clients) c.close();
    server.kill("SIGTERM");
  }
});
