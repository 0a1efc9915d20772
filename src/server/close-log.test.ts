import { expect, test } from "bun:test";
import { CloseCode } from "../protocol/index.ts";
import { causeOf } from "./close-log.ts";

test("every close code hubbub sends has a named cause in the conn.close line (none is logged as 'other')", () => {
  const unnamed = Object.entries(CloseCode).filter(([, code]) => causeOf(code)[0] === "other").map(([name]) => name);
  expect(unnamed).toEqual([]);
});

test("the per-user and per-address connection caps are logged at warn, like the other limits an operator acts on", () => {
  expect(causeOf(CloseCode.UserConnectionLimit)).toEqual(["user_connection_limit", "warn"]);
  expect(causeOf(CloseCode.AddressConnectionLimit)).toEqual(["address_connection_limit", "warn"]);
  expect(causeOf(CloseCode.Flood)).toEqual(["rate_limit", "warn"]);
});
