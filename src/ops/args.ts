/**
 * The operator commands' command lines, parsed with node:util into one value. Pure (argv and
 * env in, value out) so every rule is unit-tested.
 */
import { parseArgs } from "node:util";
import { DEFAULTS } from "../server/config.ts";
import { OpsUsageError } from "./errors.ts";
import { OPS_HELP, type OpsHelpTopic } from "./help.ts";

export type OpsCommand =
  | { name: "backup"; db: string; target: string; force: boolean }
  | { name: "restore"; db: string; backup: string; force: boolean }
  | { name: "verify"; db: string }
  | { name: "export"; db: string; stream?: string }
  | { name: "stats"; db: string; json: boolean }
  | { name: "import"; db: string; store: string }
  | { name: "help"; text: string; exitCode: 0 | 2 };

const OPTIONS = {
  db: { type: "string" },
  force: { type: "boolean" },
  stream: { type: "string" },
  json: { type: "boolean" },
  store: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
type Option = keyof typeof OPTIONS;

/** Which command takes which option (--db and --help: all). */
const OWN: Record<OpsHelpTopic, readonly Option[]> = {
  backup: ["force"],
  restore: ["force"],
  log: [],
  verify: [],
  export: ["stream"],
  stats: ["json"],
  import: ["store"],
};

type Env = Record<string, string | undefined>;
const help = (topic: OpsHelpTopic, exitCode: 0 | 2 = 0): OpsCommand => ({ name: "help", text: OPS_HELP[topic], exitCode });

/** `argv` starts at the command: ["backup", PATH, …] or ["log", "verify", …]. */
export function parseOpsCommand(argv: string[], env: Env): OpsCommand {
  let values: Partial<Record<Option, string | boolean>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new OpsUsageError(`${(e as Error).message.split(". ")[0]} (see hubbub ${argv[0]} --help)`);
  }
  const [command, sub, ...rest] = positionals;
  const topic: OpsHelpTopic = command === "log" && (sub === "verify" || sub === "export" || sub === "stats") ? sub
    : command === "log" ? "log" : command === "restore" ? "restore" : command === "import" ? "import" : "backup";
  if (values.help) return help(topic);
  for (const o of Object.keys(values) as Option[]) {
    if (o !== "db" && o !== "help" && !OWN[topic].includes(o)) throw new OpsUsageError(`${name(topic)} has no --${o} option (see hubbub ${name(topic)} --help)`);
  }
  const db = typeof values.db === "string" ? values.db : env.HUBBUB_DB || DEFAULTS.db;
  if (db === ":memory:") throw new OpsUsageError("an in-memory database cannot be reached from another process: give --db PATH");
  if (command === "backup") {
    if (sub === undefined) throw new OpsUsageError("backup needs a PATH to write to (see hubbub backup --help)");
    if (rest.length > 0) throw new OpsUsageError(`backup takes one PATH, got also "${rest[0]}"`);
    return { name: "backup", db, target: sub, force: values.force === true };
  }
  if (command === "restore") {
    if (sub === undefined) throw new OpsUsageError("restore needs the BACKUP file to restore from (see hubbub restore --help)");
    if (rest.length > 0) throw new OpsUsageError(`restore takes one BACKUP, got also "${rest[0]}"`);
    return { name: "restore", db, backup: sub, force: values.force === true };
  }
  if (command === "import") {
    if (sub !== undefined) throw new OpsUsageError(`import takes no argument, got "${sub}" (give --db FILE --store URL)`);
    const store = typeof values.store === "string" ? values.store : env.HUBBUB_STORE;
    if (!store || !/^postgres(ql)?:\/\//.test(store)) throw new OpsUsageError("import needs --store postgres://user@host:5432/database (or HUBBUB_STORE): the shared store to fill");
    return { name: "import", db, store };
  }
  if (topic === "log") {
    if (sub === undefined) return help("log", 2);
    throw new OpsUsageError(`unknown log command "${sub}": verify, export or stats (see hubbub log --help)`);
  }
  if (rest.length > 0) throw new OpsUsageError(`log ${topic} takes no argument, got "${rest[0]}"`);
  switch (topic) {
    case "verify": return { name: "verify", db };
    case "export": return typeof values.stream === "string" ? { name: "export", db, stream: values.stream } : { name: "export", db };
    case "stats": return { name: "stats", db, json: values.json === true };
    case "backup": case "restore": case "import": throw new Error(`unreachable: ${topic} returned above`);
    default: { const never: never = topic; throw new Error(`unhandled ${String(never)}`); }
  }
}

const name = (t: OpsHelpTopic) => (t === "backup" || t === "restore" || t === "log" || t === "import" ? t : `log ${t}`);
