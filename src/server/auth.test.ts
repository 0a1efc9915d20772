import { describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import type { HelloFrame } from "../protocol/index.ts";
import { type AuthConfig, createAuthenticator } from "./auth.ts";
import { DEFAULTS } from "./config.ts";

const SECRET = "test-secret-that-is-long-enough-for-hs256";
const key = (s: string) => new TextEncoder().encode(s);
const hello = (extra: Partial<HelloFrame>): HelloFrame => ({ type: "hello", device: "d1", client: "cli", ...extra });
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

type TokenOpts = { sub?: string; secret?: string; alg?: string; exp?: number | string | null; nbf?: number | string; iat?: number | null; aud?: string; iss?: string };
/** A token that expires in 5 minutes unless told otherwise (`exp: null`: none). */
async function token(opts: TokenOpts = {}): Promise<string> {
  let jwt = new SignJWT(opts.sub === undefined ? {} : { sub: opts.sub }).setProtectedHeader({ alg: opts.alg ?? "HS256" });
  if (opts.iat !== null) jwt = jwt.setIssuedAt(opts.iat);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? "5m");
  if (opts.aud !== undefined) jwt = jwt.setAudience(opts.aud);
  if (opts.iss !== undefined) jwt = jwt.setIssuer(opts.iss);
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(key(opts.secret ?? SECRET));
}

describe("auth: dev mode", () => {
  const auth = createAuthenticator({ ...DEFAULTS, auth: "dev", jwtSecret: undefined });

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
  const jwtConfig = (c: Partial<AuthConfig> = {}): AuthConfig => ({ ...DEFAULTS, auth: "jwt", jwtSecret: SECRET, ...c });
  const auth = createAuthenticator(jwtConfig());
  const refused = async (h: HelloFrame, reason: RegExp, by = auth) => {
    const r = await by(h);
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

  test("a token without exp is refused: a leaked token must not work forever", async () => {
    await refused(hello({ token: await token({ sub: "ann", exp: null }) }), /invalid token.*exp/);
    await refused(hello({ token: await token({ sub: "ann", exp: null, iat: null }) }), /invalid token.*exp/);
  });

  test("a token living longer than --jwt-max-lifetime is refused, counted from iat (or from now without one)", async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(hello({ token: await token({ sub: "ann", exp: "2d" }) }), /longer than this server allows \(86400 s/);
    await refused(hello({ token: await token({ sub: "ann", exp: "2d", iat: null }) }), /longer than/);
    // Issued two days ago, expiring in an hour: it lives 49 h, too long, though little is left of it.
    await refused(hello({ token: await token({ sub: "ann", iat: now - 2 * 86_400, exp: now + 3600 }) }), /longer than/);
    expect(await auth(hello({ token: await token({ sub: "ann", exp: "23h" }) }))).toEqual({ ok: true, user: "ann" });
    const short = createAuthenticator(jwtConfig({ jwtMaxLifetime: 60 }));
    await refused(hello({ token: await token({ sub: "ann", exp: "5m" }) }), /60 s/, short);
    expect(await short(hello({ token: await token({ sub: "ann", exp: "1m" }) }))).toEqual({ ok: true, user: "ann" });
  });

  test("a token issued in the future (beyond a minute of clock skew) is refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(hello({ token: await token({ sub: "ann", iat: now + 3600, exp: now + 7200 }) }), /iat.*future/);
    await refused(hello({ token: await token({ sub: "ann", iat: now + 10 * 365 * 86_400, exp: now + 10 * 365 * 86_400 + 60 }) }), /iat.*future/);
    expect(await auth(hello({ token: await token({ sub: "ann", iat: now + 30, exp: now + 600 }) }))).toEqual({ ok: true, user: "ann" });
  });

  test("aud and iss are checked when configured, and only then", async () => {
    const strict = createAuthenticator(jwtConfig({ jwtAudience: "hubbub", jwtIssuer: "https://id.example" }));
    const good = await token({ sub: "ann", aud: "hubbub", iss: "https://id.example" });
    expect(await strict(hello({ token: good }))).toEqual({ ok: true, user: "ann" });
    await refused(hello({ token: await token({ sub: "ann", aud: "other-app", iss: "https://id.example" }) }), /aud/, strict);
    await refused(hello({ token: await token({ sub: "ann", iss: "https://id.example" }) }), /aud/, strict);
    await refused(hello({ token: await token({ sub: "ann", aud: "hubbub", iss: "https://evil.example" }) }), /iss/, strict);
    await refused(hello({ token: await token({ sub: "ann", aud: "hubbub" }) }), /iss/, strict);
    expect(await auth(hello({ token: await token({ sub: "ann", aud: "anything", iss: "anyone" }) }))).toEqual({ ok: true, user: "ann" });
  });

  test("garbage and tampered tokens: refused, never thrown", async () => {
    const good = await token({ sub: "ann" });
    const [h, , s] = good.split(".");
    const tampered = `${h}.${b64url({ sub: "root" })}.${s}`;
    for (const t of ["", "x", "a.b.c", "....", tampered, good.slice(0, -2)]) await refused(hello({ token: t }), /token/);
  });
});
