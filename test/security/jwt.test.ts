import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { CloseCode, type ErrorFrame } from "../../src/protocol/index.ts";
import type { RunningServer } from "../../src/server/start.ts";
import { TestClient, start } from "../integration/harness.ts";

const root = new URL("../..", import.meta.url).pathname;
const SECRET = "jwt-security-test-secret-32-bytes!!";

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const p = Bun.spawn([process.execPath, "run", "src/main.ts", "--port", "0", "--db", ":memory:", ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(), 20_000); // a server that started after all: fail, do not hang
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stderr: await new Response(p.stderr).text() };
}

describe("JWT settings at start-up", () => {
  test("--auth dev with --jwt-secret is a usage error (exit 2), not a dev server with a misleading warning", async () => {
    const r = await run(["--auth", "dev", "--jwt-secret", SECRET]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--auth dev contradicts --jwt-secret/);
  }, 30_000);

  test("a secret shorter than 32 bytes is a usage error (exit 2)", async () => {
    const r = await run(["--jwt-secret", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at least 32 bytes/);
  }, 30_000);
});

describe("JWT over the wire", () => {
  let server: RunningServer;
  beforeAll(async () => { server = await start({ jwtSecret: SECRET, jwtAudience: "hubbub" }); });
  afterAll(() => server.stop());

  const helloWith = async (token: string) => {
    const c = await TestClient.open(server.url);
    c.send({ type: "hello", id: "h", token, device: "d", client: "cli" });
    return c;
  };
  const sign = (f: (j: SignJWT) => SignJWT) => f(new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("ann")).sign(new TextEncoder().encode(SECRET));

  test("a token without exp, or for another audience, is refused with unauthorized and close 4001", async () => {
    for (const token of [await sign((j) => j.setAudience("hubbub")), await sign((j) => j.setAudience("other").setExpirationTime("5m"))]) {
      const c = await helloWith(token);
      const err = (await c.waitFor((f) => f.type === "error")) as ErrorFrame;
      expect(err.code).toBe("unauthorized");
      expect((await c.waitClosed()).code).toBe(CloseCode.Unauthorized);
    }
    const ok = await helloWith(await sign((j) => j.setAudience("hubbub").setExpirationTime("5m")));
    expect((await ok.waitFor((f) => f.type === "welcome")).type).toBe("welcome");
    ok.close();
  }, 30_000);

  test("a token over 4,096 characters gets too_large saying so, not a misleading invalid_field", async () => {
    const c = await helloWith("x".repeat(5000));
    const err = (await c.waitFor((f) => f.type === "error")) as ErrorFrame;
    expect(err.code).toBe("too_large");
    expect(err.message).toMatch(/`token` is 5000 characters long; at most 4096/);
    c.close();
  }, 30_000);
});
