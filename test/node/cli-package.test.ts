/**
 * The npm package of the command-line client (packages/cli): `npm pack` bundles it for Node,
 * and `npm install -g` of the tarball, offline and into an empty prefix, gives a `hubbub` that
 * works from anywhere with Node alone on PATH (no Bun, no checkout, no node_modules).
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "hubbub-pkg-"));
const prefix = join(tmp, "prefix");
const hubbub = join(prefix, "bin", "hubbub");
// Node's own directory and the installed bin only: no bun, no node_modules/.bin.
const env = { PATH: `${join(prefix, "bin")}:${dirname(process.execPath)}`, HOME: tmp, XDG_CONFIG_HOME: join(tmp, "config") };
const STEP = { timeout: 120_000 };

let server: ReturnType<typeof spawn>;
let url: string;

before(async () => {
  server = spawn(`${root}node_modules/.bin/bun`, ["run", "src/main.ts", "--port", "0", "--db", ":memory:"], { cwd: root });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^hubbub listening on (\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    server.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
});
after(() => { server.kill("SIGTERM"); });

test("npm pack makes a tarball of one bundled file, with no dependencies to install", STEP, async () => {
  await run("npm", ["pack", "--pack-destination", tmp], { cwd: join(root, "packages/cli") });
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "no tarball");
  const manifest = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8"));
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.version, JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  await run("npm", ["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", join(tmp, tarball)], { cwd: tmp });
});

test("the installed hubbub runs under Node alone: --help, then send and history against a live server", STEP, async () => {
  const help = await run(hubbub, ["--help"], { cwd: tmp, env });
  assert.match(help.stdout, /^hubbub: the command-line client/);
  const as = ["--url", url, "--user", "pkg", "--state", join(tmp, "pkg.json")];
  const sent = await run(hubbub, ["send", "--room", "installed", "--join", ...as, "hello from the installed package"], { cwd: tmp, env });
  assert.equal(sent.stdout, "sent room:installed #2\n");
  const history = await run(hubbub, ["history", "--room", "installed", "--json", ...as], { cwd: tmp, env });
  const texts = history.stdout.trim().split("\n").map((l) => JSON.parse(l).body.text);
  assert.deepEqual(texts, [undefined, "hello from the installed package"]);
  // The server is not in the client package: it says where to find it instead of failing oddly.
  await assert.rejects(run(hubbub, ["serve"], { cwd: tmp, env }), (e: { code: number; stderr: string }) => e.code === 2 && /runs on Bun/.test(e.stderr));
});
