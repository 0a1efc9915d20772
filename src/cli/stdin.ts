/** Standard input for `send` without TEXT: all of it as one text, or line by line as it arrives. */
import { createInterface } from "node:readline";
import { UsageError } from "./args.ts";

/** Refuses a terminal: `hubbub send --room r` with nothing piped in is a mistake, not a wait. */
function piped(): void {
  if (process.stdin.isTTY) throw new UsageError("send needs the text to send: hubbub send --room R TEXT, or pipe it in (echo hi | hubbub send --room R)");
}

/** All of stdin, without the final line break (`echo hi` sends "hi"). */
export async function readAllStdin(): Promise<string> {
  piped();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (text.trim() === "") throw new UsageError("nothing to send: stdin was empty");
  return text;
}

/** The lines of stdin as they arrive (so `tail -f log | hubbub send --lines` streams), without \r\n. */
export function stdinLines(): AsyncIterable<string> {
  piped();
  // The iterator is made at once: readline drops the lines that come before one exists (the
  // caller connects to the server between this call and its first read).
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return { [Symbol.asyncIterator]: () => lines };
}
