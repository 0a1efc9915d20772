/**
 * The web app, served by Bun's HTML import (bundled on first request; no build step).
 * Loaded lazily so the server's tests and benchmarks do not pay for bundling.
 */
import type { HTMLBundle } from "bun";

export async function webRoutes(): Promise<Record<string, HTMLBundle>> {
  const index = (await import("../web/index.html")).default;
  return { "/": index };
}
