/** A failure worth one line: `code: message`, then exit 1. */
export class CliError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}
