import { expect, test } from "bun:test";
import { ConfigError, parseConfig } from "./config.ts";

test("a port, byte size or count that is not a whole number is a ConfigError, not a silent 0 or a fraction", () => {
  for (const argv of [["--port", "80.5"], ["--port", " "], ["--max-payload", "1.5"], ["--retain", "2.5"], ["--snapshot-every", "0.5"]]) {
    expect(() => parseConfig(argv, {})).toThrow(ConfigError);
  }
});
