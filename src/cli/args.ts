/** Command-line flags: the common ones and each subcommand's own, parsed with node:util. */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

export const COMMON = {
  url: { type: "string" },
  user: { type: "string" },
  token: { type: "string" },
  encoding: { type: "string" },
  state: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export interface CommonFlags {
  url: string;
  user?: string;
  token?: string;
  encoding: "json" | "msgpack";
  state?: string;
  json: boolean;
}

export function parse<O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], own: O, positionals = false) {
  try {
    const r = parseArgs({ args: argv, options: { ...COMMON, ...own }, allowPositionals: positionals, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function common(values: Record<string, string | boolean | undefined>, env: Record<string, string | undefined>): CommonFlags {
  const encoding = (values.encoding as string | undefined) ?? env.HUBBUB_ENCODING ?? "json";
  if (encoding !== "json" && encoding !== "msgpack") throw new UsageError("--encoding must be json or msgpack");
  const user = (values.user as string | undefined) ?? env.HUBBUB_USER;
  const token = (values.token as string | undefined) ?? env.HUBBUB_TOKEN;
  if (!user && !token) throw new UsageError("say who you are: --user NAME (or --token JWT, or HUBBUB_USER)");
  return {
    url: (values.url as string | undefined) ?? env.HUBBUB_URL ?? "http://127.0.0.1:8080",
    user, token, encoding, state: values.state as string | undefined, json: values.json === true,
  };
}

export function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number`);
  return n;
}
