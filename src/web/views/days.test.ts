import { expect, test } from "bun:test";
import { dayKey, dayLabel } from "./days.ts";

const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();

test("a separator per local calendar day: Today, Yesterday, then the date", () => {
  const now = at(2026, 3, 2, 9);
  expect(dayKey(at(2026, 3, 2, 0, 1))).toBe(dayKey(at(2026, 3, 2, 23, 59)));
  expect(dayKey(at(2026, 3, 1, 23, 59))).not.toBe(dayKey(at(2026, 3, 2, 0, 1)));
  expect(dayLabel(at(2026, 3, 2, 0, 1), now)).toBe("Today");
  expect(dayLabel(at(2026, 3, 1, 0, 1), now)).toBe("Yesterday"); // across a month's end
  expect(dayLabel(at(2026, 2, 27, 23, 59), now)).not.toMatch(/Today|Yesterday/);
  expect(dayLabel(at(2025, 12, 31), at(2026, 1, 1, 0, 30))).toBe("Yesterday"); // across a year's end
  expect(dayLabel(at(2026, 2, 27), now)).toContain("2026");
});
