/** The operator tools' failures: each is one line for the operator, with its exit code. */

/** A mistake on the command line: exit code 2. */
export class OpsUsageError extends Error {}

/** The command could not do its job (no such database, target exists, …): exit code 1. */
export class OpsError extends Error {}
