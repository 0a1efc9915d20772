/** docs/protocol.md's error and close code tables are the same tables as codes.ts, with the same advice. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CloseCode, ErrorCode, RETRYABLE_ERRORS, closeAdvice, type CloseAdvice } from "./codes.ts";

const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
/** Table rows of the section under `heading`, as cells. */
function rows(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const section = doc.slice(start + heading.length + 2).split(/\n#+ /)[0]!;
  return section.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("|---"))
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim())).slice(1); // drop the header row
}

test("every error code is in the docs' table once, and 'retry?' says yes exactly for the retryable ones", () => {
  const table = rows("### error");
  const documented = table.map(([code]) => code!.replace(/`/g, ""));
  expect([...documented].sort()).toEqual(Object.values(ErrorCode).sort());
  for (const [code, , retry] of table) {
    const c = code!.replace(/`/g, "") as ErrorCode;
    expect({ code: c, retryable: retry!.startsWith("yes") }).toEqual({ code: c, retryable: RETRYABLE_ERRORS.has(c) });
  }
});

test("every close code is in the docs' table once, with the advice closeAdvice gives", () => {
  const table = rows("## Close codes");
  const documented = table.map(([code]) => Number(code));
  expect([...documented].sort()).toEqual([...new Set(Object.values(CloseCode))].sort());
  const advice = (text: string): CloseAdvice =>
    /\bstop\b/i.test(text) && !/reconnect/i.test(text.split(/[(,;]/)[0]!) ? "stop" : /reconnect now/i.test(text) ? "reconnect-now" : "reconnect";
  for (const [code, , says] of table) expect({ code, advice: advice(says!) }).toEqual({ code, advice: closeAdvice(Number(code)) });
});
