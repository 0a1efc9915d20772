/** Runs an operator command (`hubbub backup`, `hubbub log …`) as a separate process, as an operator would. */
const root = new URL("../..", import.meta.url).pathname;

export interface OpsResult { code: number; out: string; err: string }

export async function ops(args: string[]): Promise<OpsResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("HUBBUB_")) env[k] = v;
  const p = Bun.spawn([process.execPath, "run", "src/hubbub.ts", ...args], { cwd: root, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(), 30_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, out, err };
}
