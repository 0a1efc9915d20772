import { expect, test } from "bun:test";
import { percentile, spread, table } from "./stats.ts";

test("spread gives the median of an odd and an even number of runs, with min and max", () => {
  expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: [3, 1, 2] });
  expect(spread([4, 1, 3, 2]).median).toBe(2.5);
});

test("percentile is nearest-rank on sorted samples", () => {
  const s = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  expect(percentile(s, 50)).toBe(500);
  expect(percentile(s, 99)).toBe(990);
  expect(percentile(s, 99.9)).toBe(999);
  expect(percentile(new Float64Array(0), 50)).toBeNaN();
});

test("table renders a markdown table", () => {
  expect(table(["a", "b"], [["1", "2"]])).toBe("| a | b |\n| --- | --- |\n| 1 | 2 |");
});
