/**
 * The service worker that lets the app shell load without the server (issue 12, defect 2).
 * The server sends `serviceWorker`'s source text as /sw.js (see server/web-app.ts), so it
 * must be self-contained: it uses only its parameter and the worker's globals, never imports.
 *
 * - Pages (navigations): network first, so a new version is picked up at once; the cached
 *   shell when the server cannot be reached.
 * - Other same-origin GETs (the bundle's content-hashed chunks): cache first.
 * - The WebSocket, /health, /ready, /metrics and /api are never touched.
 * After each successful page load the cache keeps only the chunks that page refers to.
 */

/** The parts of ServiceWorkerGlobalScope used here (the project's TS lib is DOM, not WebWorker). */
export interface WorkerScope {
  location: { origin: string };
  addEventListener(type: "install" | "activate", fn: (e: { waitUntil(p: Promise<unknown>): void }) => void): void;
  addEventListener(type: "fetch", fn: (e: { request: Request; respondWith(r: Promise<Response>): void }) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
}

export function serviceWorker(self: WorkerScope): void {
  const CACHE = "hubbub-shell-v1";
  const SHELL = "/";
  const PASS = /^\/(ws|health|ready|metrics|api)(\/|$)/;

  /** Same-origin asset paths a page refers to (script src, stylesheet href). */
  const assetsOf = (html: string): string[] =>
    [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!).filter((p) => !p.startsWith("//"));

  /** Caches a page and every asset it refers to, then drops assets it no longer uses. */
  const keepShell = async (page: Response): Promise<void> => {
    const cache = await caches.open(CACHE);
    const html = await page.clone().text();
    const assets = assetsOf(html);
    await cache.put(SHELL, page);
    await Promise.all(assets.map(async (a) => { if (!(await cache.match(a))) await cache.add(a); }));
    for (const req of await cache.keys()) {
      const path = new URL(req.url).pathname;
      if (path !== SHELL && !assets.includes(path)) await cache.delete(req);
    }
  };

  self.addEventListener("install", (e) => {
    e.waitUntil(fetch(SHELL).then((r) => (r.ok ? keepShell(r) : undefined)).catch(() => undefined).then(() => self.skipWaiting()));
  });
  self.addEventListener("activate", (e) => {
    e.waitUntil(caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("hubbub-shell-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()));
  });
  self.addEventListener("fetch", (e) => {
    const req = e.request;
    const url = new URL(req.url);
    if (req.method !== "GET" || url.origin !== self.location.origin || PASS.test(url.pathname)) return;
    if (req.mode === "navigate") {
      e.respondWith(fetch(req).then(async (r) => {
        if (r.ok && url.pathname === SHELL) await keepShell(r.clone()).catch(() => undefined);
        return r;
      }, async () => (await caches.match(SHELL)) ?? new Response("offline", { status: 503 })));
      return;
    }
    e.respondWith(caches.match(req).then((hit) => hit ?? fetch(req)));
  });
}
