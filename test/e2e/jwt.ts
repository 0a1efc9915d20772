/** HS256 tokens for the browser tests of a server started with --jwt-secret. */
import { createHmac } from "node:crypto";

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

export function signToken(secret: string, sub: string): string {
  const head = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 }))}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}
