import { describe, expect, test } from "bun:test";
import { unreachable } from "./exhaustive.ts";
import type { ClientFrame } from "./frames.ts";

/** A router over client frames that forgot `who`: the compiler must refuse it (checked by `npm run check`, part of `npm test`). */
function forgetful(f: ClientFrame): string {
  switch (f.type) {
    case "hello": case "join": case "leave": case "send": case "edit": case "delete":
    case "history": case "read": case "typing": case "ping": case "rooms":
      return f.type;
    // @ts-expect-error -- `who` is not handled, so `f` is not `never` here: this line must not compile.
    default: return unreachable(f, "client frame");
  }
}

describe("exhaustive routing", () => {
  test("a value that slipped past the types throws with what it was, instead of being dropped", () => {
    expect(() => forgetful({ type: "who", room: "lobby" } as ClientFrame)).toThrow(/unhandled client frame: .*"who"/);
  });
});
