import { expect, test } from "bun:test";
import { hueOf, initials } from "./avatar.ts";

test("initials and colours are stable per name", () => {
  expect(initials("ann")).toBe("AN");
  expect(initials("mary-jane.w")).toBe("MJ");
  expect(hueOf("ann")).toBe(hueOf("ann"));
  expect(new Set(["ann", "bob", "cy", "dee", "eve", "fay"].map(hueOf)).size).toBeGreaterThan(4);
});
