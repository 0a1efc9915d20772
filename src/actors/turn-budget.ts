/**
 * A budget of work units per event-loop turn, shared by everyone who takes from it. Work that
 * may be large but need not be done at once (describing and following the streams of many
 * hellos) takes units before each chunk; once a turn's units are spent, takers wait for the next
 * turn, in the order they asked. So however many connections say hello together, one turn does
 * at most `perTurn` units of it, and the event loop (I/O, other clients' frames) runs in between.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class TurnBudget {
  private spent = 0;
  private resetScheduled = false;

  constructor(private readonly perTurn: number) {}

  /** Resolves once this turn has room for `n` more units (at once if it has); the units are then spent. */
  async take(n: number): Promise<void> {
    while (this.spent >= this.perTurn) await nextTurn();
    this.spent += n;
    if (!this.resetScheduled) {
      this.resetScheduled = true;
      setImmediate(() => {
        this.spent = 0;
        this.resetScheduled = false;
      });
    }
  }
}
