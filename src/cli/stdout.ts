/**
 * Standard output that its reader may close under us (`hubbub history | head`). As Unix tools
 * do, a closed stdout ends the command quietly with exit 0. Runtimes report it differently:
 * Bun throws EPIPE from write(), Node and Deno emit an `error` event afterwards. Both mark
 * stdout closed; from then on every write throws StdoutClosed, which unwinds the command to
 * main() (closing the client and saving the state file on the way) and exits 0.
 */
export class StdoutClosed extends Error {
  constructor() { super("standard output was closed"); }
}

let closed = false;
const listeners = new Set<() => void>();

const isClosedPipe = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
};

function markClosed(): void {
  if (closed) return;
  closed = true;
  for (const fn of listeners) fn();
  listeners.clear();
}

/**
 * Call once at start-up: without an `error` listener, Node and Deno turn a late EPIPE into an
 * uncaught exception with a stack trace.
 */
export function watchStdout(): void {
  process.stdout.on("error", (e: unknown) => {
    if (isClosedPipe(e)) return markClosed();
    // Any other failure to write (EIO, ENOSPC on a redirect) also ends output; say what it was.
    process.stderr.write(`hubbub: error: cannot write to standard output: ${(e as Error).message}\n`);
    process.exitCode = 1;
    markClosed();
  });
}

/** Writes to stdout, or throws StdoutClosed once the reader has gone. */
export function writeOut(text: string): void {
  if (closed) throw new StdoutClosed();
  try {
    process.stdout.write(text);
  } catch (e) {
    if (!isClosedPipe(e)) throw e;
    markClosed();
    throw new StdoutClosed();
  }
}

/** Runs `fn` once stdout closes (at once if it already has); returns the function that unsubscribes. */
export function onStdoutClosed(fn: () => void): () => void {
  if (closed) { fn(); return () => {}; }
  listeners.add(fn);
  return () => listeners.delete(fn);
}
