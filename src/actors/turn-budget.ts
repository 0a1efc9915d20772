/**
 * A budget of work units per event-loop turn, shared by everyone who takes from it. Work that
 * may be large but need not be done at once (describing and following the streams of many
 * hellos, pages of history) takes units before each chunk, or, when its size is known only once
 * done, checks for room first and spends after; once a turn's units are spent, takers wait for
 * the next turn, in the order they asked. So however many connections ask together, one turn
 * does at most about `perTurn` units of it (plus the one chunk that crossed the line), and the
 * event loop (I/O, other clients' frames) runs in between.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class TurnBudget {
  private spent = 0;
  private resetScheduled = false;

  constructor(private readonly perTurn: number) {}

  /** Whether this turn still has room: work may then run now and `spend` what it cost. */
  hasRoom(): boolean { return this.spent < this.perTurn; }

  /** Charges `n` units to this turn. */
  spend(n: number): void {
    this.spent += n;
    if (!this.resetScheduled) {
      this.resetScheduled = true;
      setImmediate(() => {
        this.spent = 0;
        this.resetScheduled = false;
      });
    }
  }

  /** Resolves once a turn has room (at once if this one has). */
  async room(): Promise<void> {
    while (!this.hasRoom()) await nextTurn();
  }

  /** Resolves once this turn has room for more units (at once if it has); `n` units are then spent. */
  async take(n: number): Promise<void> {
    while (!this.hasRoom()) await nextTurn(); // checked and spent in one step: takers woken together must not all see room
    this.spend(n);
  }
}
