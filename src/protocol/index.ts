export * from "./codes.ts";
export * from "./frames.ts";
export * from "./codec.ts";
export * from "./guards.ts";
export * from "./names.ts";
export * from "./cmid.ts";
export * from "./exhaustive.ts";
