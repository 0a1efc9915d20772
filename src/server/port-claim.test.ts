import { expect, test } from "bun:test";
import { bindPort } from "./port-claim.ts";
import { StartupError } from "./startup-error.ts";

const serve = (port: number, reusePort = false, hostname = "127.0.0.1") =>
  Bun.serve({ hostname, port, reusePort, routes: { "/": new Response("x") }, fetch: () => new Response("x") });

function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

// Bun binding hubbub's real routes beside another server is shown with two processes in
// test/integration/startup-refusals.test.ts; here, the decisions of bindPort in one process.
test("a taken port is refused before binding, whether or not the newcomer asks to share; released, it is free again", async () => {
  const port = freePort();
  const a = bindPort("127.0.0.1", port, false, () => serve(port));
  let bound = 0;
  expect(() => bindPort("127.0.0.1", port, false, () => (bound++, serve(port)))).toThrow(StartupError);
  expect(() => bindPort("127.0.0.1", port, true, () => (bound++, serve(port, true)))).toThrow(/in use by a hubbub started without --reuse-port/);
  expect(bound).toBe(0);
  await a.bound.stop(true);
  a.claim.release();
  const again = bindPort("127.0.0.1", port, false, () => serve(port));
  await again.bound.stop(true);
  again.claim.release();
});

test("with --reuse-port on every side the port is shared", async () => {
  const port = freePort();
  const a = bindPort("127.0.0.1", port, true, () => serve(port, true));
  const b = bindPort("127.0.0.1", port, true, () => serve(port, true));
  expect([a.bound.port, b.bound.port]).toEqual([port, port]);
  for (const s of [a, b]) { await s.bound.stop(true); s.claim.release(); }
});

test("servers on different addresses may use the same port number", async () => {
  const port = freePort();
  const a = bindPort("127.0.0.1", port, false, () => serve(port));
  const b = bindPort("127.0.0.2", port, false, () => serve(port, false, "127.0.0.2"));
  expect([a.bound.port, b.bound.port]).toEqual([port, port]);
  // ...but the wildcard address overlaps both: refused.
  expect(() => bindPort("0.0.0.0", port, false, () => serve(port, false, "0.0.0.0"))).toThrow(StartupError);
  for (const s of [a, b]) { await s.bound.stop(true); s.claim.release(); }
});
