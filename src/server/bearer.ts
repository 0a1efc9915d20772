/** Bearer-token checks for the operator endpoints (/api/broadcast, /metrics). */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Compares in constant time: both sides are hashed first, so the comparison takes the same time
 * whatever the guess, and neither how much of it was right nor the token's length leaks.
 */
export function bearerMatches(header: string | null, token: string): boolean {
  return timingSafeEqual(digest(header ?? ""), digest(`Bearer ${token}`));
}
