/**
 * The SDK under Node 20, which has no global WebSocket: the `socket` option takes the `ws`
 * package's client, and everything else is the same code the browser and Bun run.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import WebSocket from "ws";
import { HubbubClient, type SocketLike } from "../../src/client/index.ts";

const root = new URL("../..", import.meta.url).pathname;

test("the SDK connects, joins, sends and receives under Node 20 with the ws package", async () => {
  const server = spawn(`${root}node_modules/.bin/bun`, ["run", "src/main.ts", "--port", "0", "--db", ":memory:"], { cwd: root });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      server.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /^hubbub listening on (\S+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
    });
    const socket = (u: string, protocols: string[]) => new WebSocket(u, protocols) as unknown as SocketLike;
    const a = new HubbubClient({ url, user: "nodeuser", client: "node", socket });
    const b = new HubbubClient({ url, user: "other", client: "node", socket, encoding: "msgpack" });
    const live = (c: HubbubClient) => new Promise<void>((r) => { const off = c.on("state", (s) => { if (s.name === "live") { off(); r(); } }); c.connect(); });
    await Promise.all([live(a), live(b)]);
    await a.join("n");
    await b.join("n");
    const got = new Promise<string>((r) => b.on("event", (e) => { if (e.kind === "message") r(String(e.body.text)); }));
    const ack = await a.send({ room: "n" }, "hello from node").acked;
    assert.equal(ack.stream, "room:n");
    assert.equal(await got, "hello from node");
    a.close();
    b.close();
  } finally {
    server.kill("SIGTERM");
  }
});
