import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import type { HelloFrame } from "../protocol/index.ts";
import { createAuthenticator } from "./auth.ts";

const SECRET = "test-secret-that-is-long-enough-for-hs256";
const key = (s: string) => new TextEncoder().encode(s);
const hello = (extra: Partial<HelloFrame>): HelloFrame => ({ type: "hello", device: "d1", client: "cli", ...extra });
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

async function token(opts: { sub?: string; secret?: string; alg?: string; exp?: number | string; nbf?: number | string } = {}): Promise<string> {
  let jwt = new SignJWT(opts.sub === undefined ? {} : { sub: opts.sub }).setProtectedHeader({ alg: opts.alg ?? "HS256" }).setIssuedAt();
  if (opts.exp !== undefined) jwt = jwt.setExpirationTime(opts.exp);
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(key(opts.secret ?? SECRET));
}

describe("auth: dev mode", () => {
  const auth = createAuthenticator({ auth: "dev", jwtSecret: undefined });

  test("the hello's user is taken at its word", async () => {
    expect(await auth(hello({ user: "ann" }))).toEqual({ ok: true, user: "ann" });
    expect(await auth(hello({ user: "ann", token: "ignored" }))).toEqual({ ok: true, user: "ann" });
  });

  test("a hello without a user is refused with a reason", async () => {
    const r = await auth(hello({ token: await token({ sub: "ann" }) }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain("user");
  });
});

describe("auth: jwt mode", () => {
  const auth = createAuthenticator({ auth: "jwt", jwtSecret: SECRET });
  const refused = async (h: HelloFrame, reason: RegExp) => {
    const r = await auth(h);
    if (r.ok) throw new Error(`accepted as ${r.user}`);
    expect(r.message).toMatch(reason);
  };

  test("a good HS256 token names the user by its sub; a `user` in the hello is ignored", async () => {
    expect(await auth(hello({ token: await token({ sub: "ann", exp: "1h" }) }))).toEqual({ ok: true, user: "ann" });
    expect(await auth(hello({ user: "mallory", token: await token({ sub: "ann" }) }))).toEqual({ ok: true, user: "ann" });
  });

  test("no token: refused, saying a token is needed", async () => {
    await refused(hello({ user: "ann" }), /token/);
  });

  test("signed with another secret: refused", async () => {
    await refused(hello({ token: await token({ sub: "ann", secret: "some-other-secret-of-decent-length!!" }) }), /invalid token/);
  });

  test("expired, or not valid yet: refused", async () => {
    await refused(hello({ token: await token({ sub: "ann", exp: Math.floor(Date.now() / 1000) - 60 }) }), /invalid token.*exp/);
    await refused(hello({ token: await token({ sub: "ann", nbf: "1h" }) }), /invalid token.*nbf/);
  });

  test("alg none, or an algorithm other than HS256 (even with the right secret): refused", async () => {
    const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "ann" })}.`;
    await refused(hello({ token: unsigned }), /invalid token/);
    await refused(hello({ token: await token({ sub: "ann", alg: "HS512" }) }), /invalid token/);
  });

  test("missing sub, or a sub that is not a valid user name: refused", async () => {
    await refused(hello({ token: await token({}) }), /sub/);
    await refused(hello({ token: await token({ sub: "a:b" }) }), /sub/);
    await refused(hello({ token: await token({ sub: "@operator" }) }), /sub/);
  });

  test("garbage and tampered tokens: refused, never thrown", async () => {
    const good = await token({ sub: "ann" });
    const [h, , s] = good.split(".");
    const tampered = `${h}.${b64url({ sub: "root" })}.${s}`;
    for (const t of ["", "x", "a.b.c", "....", tampered, good.slice(0, -2)]) await refused(hello({ token: t }), /token/);
  });
});
