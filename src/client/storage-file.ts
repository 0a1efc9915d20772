/** Client state in a JSON file (the CLI's --state). Written atomically: a crash never leaves half a file. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ClientStorage, SavedState } from "./storage.ts";

export function fileStorage(path: string): ClientStorage {
  return {
    load() {
      try {
        return JSON.parse(readFileSync(path, "utf8")) as SavedState;
      } catch {
        return undefined;
      }
    },
    save(s) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 }); // it holds cursors and unsent messages: the owner's only
      renameSync(tmp, path);
    },
  };
}
