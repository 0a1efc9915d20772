/**
 * The last arm of a switch over a closed union (frame types, message kinds, codes). With it, a
 * new variant that nobody handles is a compile error ("not assignable to never") instead of a
 * frame silently dropped at run time. If it is ever reached anyway (a peer sent something the
 * guards let through by mistake), it throws, and the caller's error path answers `internal`.
 */
export function unreachable(value: never, what = "case"): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)?.slice(0, 80)}`);
}
