import { expect, test } from "bun:test";
import { checkLength, failureText } from "./composer.ts";

test("the counter appears near the limit, goes negative over it, and only then is sending refused", () => {
  expect(checkLength("hi", 4000)).toEqual({ counter: "", over: false, refusal: "" });
  expect(checkLength("x".repeat(3600), 4000)).toMatchObject({ counter: "400", over: false });
  expect(checkLength("x".repeat(4000), 4000)).toMatchObject({ counter: "0", over: false, refusal: "" });
  const over = checkLength("x".repeat(4012), 4000);
  expect(over).toMatchObject({ counter: "-12", over: true });
  expect(over.refusal).toContain("4,012 characters, the limit is 4,000");
});

test("failures are said in words, with the code kept for unknown ones", () => {
  expect(failureText("too_large", "…", 4000)).toBe("not sent: longer than 4,000 characters");
  expect(failureText("internal", "boom", 4000)).toBe("not sent (internal): boom");
});
