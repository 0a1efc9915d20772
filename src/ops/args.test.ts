import { describe, expect, test } from "bun:test";
import { parseOpsCommand } from "./args.ts";
import { OpsUsageError } from "./errors.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => parseOpsCommand(argv, env);
const usage = (argv: string[]) => {
  try {
    parse(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(OpsUsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("operator command lines", () => {
  test("--db wins over HUBBUB_DB, which wins over the server's default", () => {
    expect(parse(["log", "verify"])).toEqual({ name: "verify", db: "./data/hubbub.db" });
    expect(parse(["log", "verify"], { HUBBUB_DB: "/srv/h.db" })).toEqual({ name: "verify", db: "/srv/h.db" });
    expect(parse(["log", "verify", "--db", "x.db"], { HUBBUB_DB: "/srv/h.db" })).toEqual({ name: "verify", db: "x.db" });
  });

  test("each command takes its own options", () => {
    expect(parse(["backup", "b.db", "--force"])).toEqual({ name: "backup", db: "./data/hubbub.db", target: "b.db", force: true });
    expect(parse(["restore", "b.db", "--db", "x.db", "--force"])).toEqual({ name: "restore", db: "x.db", backup: "b.db", force: true });
    expect(usage(["restore"])).toBe("restore needs the BACKUP file to restore from (see hubbub restore --help)");
    expect(usage(["restore", "b.db", "--json"])).toBe("restore has no --json option (see hubbub restore --help)");
    expect(parse(["log", "export", "--stream", "room:a"])).toMatchObject({ name: "export", stream: "room:a" });
    expect(parse(["log", "export"])).toEqual({ name: "export", db: "./data/hubbub.db" });
    expect(parse(["log", "stats", "--json"])).toMatchObject({ name: "stats", json: true });
    expect(usage(["log", "verify", "--force"])).toBe("log verify has no --force option (see hubbub log verify --help)");
    expect(usage(["backup", "b.db", "--stream", "x"])).toBe("backup has no --stream option (see hubbub backup --help)");
  });

  test("help: --help anywhere is exit 0; a bare log is its help with exit 2", () => {
    expect(parse(["backup", "--help"])).toMatchObject({ name: "help", exitCode: 0 });
    expect(parse(["log", "stats", "-h"])).toMatchObject({ name: "help", exitCode: 0, text: expect.stringContaining("Usage: hubbub log stats") });
    expect(parse(["log"])).toMatchObject({ name: "help", exitCode: 2, text: expect.stringContaining("Usage: hubbub log <verify|export|stats>") });
  });

  test("mistakes are one line each", () => {
    expect(usage(["backup"])).toBe("backup needs a PATH to write to (see hubbub backup --help)");
    expect(usage(["backup", "a", "b"])).toBe('backup takes one PATH, got also "b"');
    expect(usage(["log", "nope"])).toBe('unknown log command "nope": verify, export or stats (see hubbub log --help)');
    expect(usage(["log", "stats", "extra"])).toBe('log stats takes no argument, got "extra"');
    expect(usage(["log", "stats", "--bogus"])).toStartWith("Unknown option '--bogus'");
    expect(usage(["log", "stats", "--db", ":memory:"])).toContain("give --db PATH");
  });

  test("import: --store or HUBBUB_STORE, a postgres URL, no positional; --store belongs to import only", () => {
    expect(parseOpsCommand(["import", "--db", "x.db", "--store", "postgres://h/db"], {})).toEqual({ name: "import", db: "x.db", store: "postgres://h/db" });
    expect(parseOpsCommand(["import", "--db", "x.db"], { HUBBUB_STORE: "postgresql://h/db" })).toEqual({ name: "import", db: "x.db", store: "postgresql://h/db" });
    expect(usage(["import", "--db", "x.db"])).toContain("import needs --store postgres://");
    expect(usage(["import", "--store", "mysql://h/db"])).toContain("import needs --store postgres://");
    expect(usage(["import", "extra", "--store", "postgres://h/db"])).toContain('import takes no argument, got "extra"');
    expect(usage(["backup", "p", "--store", "postgres://h/db"])).toContain("backup has no --store option");
    expect(parseOpsCommand(["import", "--help"], {})).toMatchObject({ name: "help", exitCode: 0, text: expect.stringContaining("Usage: hubbub import") });
  });
});
