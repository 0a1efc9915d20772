/**
 * The one-file binary: built once for this file with `bun run build --outfile`, then run from an
 * empty directory, as an operator would after copying it to a server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "hubbub-binary-"));
const binary = join(dir, "bin", "hubbub");

/** No HUBBUB_* from the caller, a config dir of its own: the binary sees only what the test gives it. */
function env(work: string): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("HUBBUB_")) e[k] = v;
  return { ...e, XDG_CONFIG_HOME: join(work, "config") };
}

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([binary, ...args], { cwd, env: env(cwd), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** Starts `hubbub serve` and resolves with its URL once it printed one (in whatever log format). */
async function serve(args: string[], cwd: string): Promise<{ url: string; proc: Subprocess<"ignore", "pipe", "pipe"> }> {
  const proc = Bun.spawn([binary, "serve", ...args], { cwd, env: env(cwd), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    text += decoder.decode(chunk, { stream: true });
    const m = /http:\/\/127\.0\.0\.1:\d+/.exec(text);
    if (m) return { url: m[0], proc };
  }
  throw new Error(`hubbub serve exited without a URL: ${text}${await new Response(proc.stderr).text()}`);
}

describe("the one-file binary", () => {
  beforeAll(async () => {
    const t0 = performance.now();
    const build = Bun.spawn([process.execPath, "run", "build", "--outfile", binary], { cwd: root, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited]);
    if (code !== 0) throw new Error(`bun run build failed (${code}): ${out}${err}`);
    console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${out.trim().split("\n").at(-1)}`);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("serves /health and the web app from an empty directory; its CLI and operator tools work beside it", async () => {
    const work = mkdtempSync(join(dir, "run-"));
    const { url, proc } = await serve(["--port", "0", "--db", "./x.db"], work);
    try {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });

      // The page and the script and style it links to all come out of the binary.
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toContain("<title>hubbub</title>");
      const assets = [...page.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const a of assets) {
        const r = await fetch(`${url}${a}`);
        expect(r.status).toBe(200);
        expect((await r.text()).length).toBeGreaterThan(100);
      }

      const sw = await fetch(`${url}/sw.js`);
      expect(sw.status).toBe(200);
      expect(await sw.text()).toContain("addEventListener");

      const sent = await run(["send", "--url", url, "--user", "amy", "--room", "lobby", "--join", "from the binary"], work);
      expect(sent).toMatchObject({ code: 0, out: "sent room:lobby #2\n" });
      const history = await run(["history", "--url", url, "--user", "amy", "--room", "lobby"], work);
      expect(history.code).toBe(0);
      expect(history.out).toContain("from the binary");
      expect(existsSync(join(work, "x.db"))).toBe(true);

      // The operator tools, beside the running server.
      const stats = await run(["log", "stats", "--db", "./x.db", "--json"], work);
      expect(stats.code).toBe(0);
      expect(JSON.parse(stats.out)).toMatchObject({ kinds: { message: 1 } });
      expect(await run(["backup", "./b.db", "--db", "./x.db"], work)).toMatchObject({ code: 0, err: "" });
      expect(await run(["log", "verify", "--db", "./b.db"], work)).toMatchObject({ code: 0, err: "" });
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  }, 60_000);

  test("without a command it prints the CLI's help and exits 2", async () => {
    const r = await run([], dir);
    expect(r.code).toBe(2);
    expect(r.out).toContain("Usage: hubbub <command>");
  }, 30_000);
});
