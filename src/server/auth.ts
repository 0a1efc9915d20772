/**
 * Who is on the other end of a hello. In dev mode the client's word is taken; with a secret,
 * only an HS256 JWT signed with it counts, and its `sub` is the user.
 */
import { jwtVerify } from "jose";
import { isUserName } from "../protocol/index.ts";
import type { Authenticator } from "../actors/context.ts";
import type { Config } from "./config.ts";

export function createAuthenticator(config: Pick<Config, "auth" | "jwtSecret">): Authenticator {
  if (config.auth === "dev") {
    return async (hello) => hello.user !== undefined
      ? { ok: true, user: hello.user }
      : { ok: false, message: "hello must name the user (`user`), this server runs in dev auth mode" };
  }
  const key = new TextEncoder().encode(config.jwtSecret);
  return async (hello) => {
    if (!hello.token) return { ok: false, message: "this server requires a token: hello needs `token` (an HS256 JWT)" };
    try {
      const { payload } = await jwtVerify(hello.token, key, { algorithms: ["HS256"] });
      if (!isUserName(payload.sub)) return { ok: false, message: "the token's `sub` is not a valid user name" };
      return { ok: true, user: payload.sub };
    } catch (e) {
      return { ok: false, message: `invalid token: ${(e as Error).message}` };
    }
  };
}
