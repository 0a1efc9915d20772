/**
 * Subscribers per Bun topic, kept beside Bun's own (which JS can only ask one topic at a time,
 * at a cost: 6 % of the JS thread when fan-out asked before every publish). A publish's
 * deliveries are then one Map lookup. Used only with metrics on.
 */
export class SubscriberCounts {
  private readonly counts = new Map<string, number>();

  add(topic: string): void { this.counts.set(topic, (this.counts.get(topic) ?? 0) + 1); }

  remove(topic: string): void {
    const n = (this.counts.get(topic) ?? 0) - 1;
    if (n > 0) this.counts.set(topic, n);
    else this.counts.delete(topic);
  }

  get(topic: string): number { return this.counts.get(topic) ?? 0; }
}
