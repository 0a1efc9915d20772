/**
 * A reason the server cannot start that the operator can fix. main.ts prints its message as
 * one line (`hubbub: …`, no stack) and exits with its code: 1 for the environment (a taken
 * port, a locked or unreadable database), 2 for a usage mistake (flags that contradict).
 * Messages say what is wrong and what to do next.
 */
export class StartupError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) { super(message); }
}
