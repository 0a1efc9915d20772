/**
 * The web app's files, served from our own fetch handler (not Bun's HTML route) so that every
 * response goes through the Host check and carries the security headers (front.ts).
 * In the one-file binary the HTML import comes prebuilt (`files`); run from source it is bundled
 * once, in memory, on the first request, so the server's tests and benchmarks do not pay for it.
 */
import { basename } from "node:path";

export interface WebFile { body: Blob; type: string }
/** URL path ("/", "/chunk-abc.js") -> file. */
export type WebFiles = ReadonlyMap<string, WebFile>;

/** The page is served at "/"; the bundle references its chunks by bare name (`./chunk-abc.js`). (Every output's `loader` says "html", so go by the name.) */
const urlPath = (file: string) => (file.endsWith(".html") ? "/" : `/${basename(file)}`);

/**
 * The service worker, at the root so that it may control the whole app: its function's own
 * source (Bun hands out the transpiled JavaScript, in a binary too), called on the worker's global.
 */
async function serviceWorkerFile(): Promise<WebFile> {
  const { serviceWorker } = await import("../web/service-worker.ts");
  return { body: new Blob([`(${serviceWorker.toString()})(self);\n`]), type: "text/javascript;charset=utf-8" };
}

async function load(): Promise<WebFiles> {
  const bundle = (await import("../web/index.html")).default;
  const files = new Map<string, WebFile>([["/sw.js", await serviceWorkerFile()]]);
  if (bundle.files) {
    for (const f of bundle.files) {
      files.set(urlPath(f.path), { body: Bun.file(f.path), type: f.headers["content-type"] });
    }
    return files;
  }
  const built = await Bun.build({ entrypoints: [new URL("../web/index.html", import.meta.url).pathname], target: "browser", minify: true });
  if (!built.success) throw new AggregateError(built.logs, "the web app failed to bundle");
  for (const o of built.outputs) files.set(urlPath(o.path), { body: o, type: o.type });
  return files;
}

/** Resolves the web app's files once, on first use; a failed bundle is retried on the next request. */
export function webApp(): () => Promise<WebFiles> {
  let files: Promise<WebFiles> | undefined;
  return () => (files ??= load().catch((e) => { files = undefined; throw e; }));
}
