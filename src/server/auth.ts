/**
 * Who is on the other end of a hello. In dev mode the client's word is taken; with a secret,
 * only an HS256 JWT signed with it counts, and its `sub` is the user.
 *
 * A token must expire (`exp`), may not live longer than --jwt-max-lifetime (counted from its
 * `iat`, or from now when it has none), may not claim to be issued in the future, and must carry
 * the configured `aud`/`iss` when those are set: a leaked token is then useful for a bounded time
 * and only to the service it was minted for.
 */
import { jwtVerify } from "jose";
import { isUserName } from "../protocol/index.ts";
import type { Authenticator } from "../actors/context.ts";
import type { Config } from "./config.ts";

/** How far a token's `iat` may be ahead of this server's clock (clock skew between issuer and server). */
export const IAT_SKEW_SECONDS = 60;

export type AuthConfig = Pick<Config, "auth" | "jwtSecret" | "jwtMaxLifetime" | "jwtAudience" | "jwtIssuer">;

export function createAuthenticator(config: AuthConfig): Authenticator {
  if (config.auth === "dev") {
    return async (hello) => hello.user !== undefined
      ? { ok: true, user: hello.user }
      : { ok: false, message: "hello must name the user (`user`), this server runs in dev auth mode" };
  }
  const key = new TextEncoder().encode(config.jwtSecret);
  const options = {
    algorithms: ["HS256"],
    requiredClaims: ["exp"],
    ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
    ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
  };
  return async (hello) => {
    if (!hello.token) return { ok: false, message: "this server requires a token: hello needs `token` (an HS256 JWT)" };
    try {
      const { payload } = await jwtVerify(hello.token, key, options);
      const now = Math.floor(Date.now() / 1000);
      if (payload.iat !== undefined && payload.iat > now + IAT_SKEW_SECONDS) {
        return { ok: false, message: "invalid token: its `iat` (issued at) is in the future" };
      }
      const lifetime = payload.exp! - Math.min(payload.iat ?? now, now);
      if (lifetime > config.jwtMaxLifetime) {
        return { ok: false, message: `invalid token: it lives ${lifetime} s, longer than this server allows (${config.jwtMaxLifetime} s, --jwt-max-lifetime); issue shorter-lived tokens` };
      }
      if (!isUserName(payload.sub)) return { ok: false, message: "the token's `sub` is not a valid user name" };
      return { ok: true, user: payload.sub };
    } catch (e) {
      return { ok: false, message: `invalid token: ${(e as Error).message}` };
    }
  };
}
