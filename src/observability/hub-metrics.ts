/**
 * Every metric hubbub exports, defined in one place, with its children bound up front: the
 * actors and the transport call `metrics.framesIn.send.inc()`, never look a label up per
 * message. Label values come from closed sets (encodings, frame types, error and close codes,
 * event kinds, client kinds); anything else a client could choose is folded into "other".
 * docs/observability.md describes each metric; docs/grafana-dashboard.json uses these names.
 */
import { CloseCode, ENCODINGS, ErrorCode, type ClientFrameType, type Encoding, type EventKind } from "../protocol/index.ts";
import { type Counter, type Gauge, type Histogram, type Metrics, noopMetrics } from "./metrics.ts";

const FRAME_TYPES = Object.keys({
  hello: 1, join: 1, leave: 1, send: 1, edit: 1, delete: 1, history: 1, read: 1, typing: 1, ping: 1, rooms: 1, who: 1, whois: 1, search: 1, topic: 1, react: 1,
  invite: 1, uninvite: 1, kick: 1, ban: 1, unban: 1, set_role: 1, set_visibility: 1, room_info: 1,
} satisfies Record<ClientFrameType, 1>) as ClientFrameType[];

const EVENT_KINDS = Object.keys({
  message: 1, edit: 1, delete: 1, joined: 1, left: 1, read: 1, room_joined: 1, room_left: 1, broadcast: 1, registered: 1, topic: 1, reaction: 1,
  invited: 1, uninvited: 1, kicked: 1, banned: 1, unbanned: 1, role: 1, visibility: 1, room_invited: 1, room_uninvited: 1,
} satisfies Record<EventKind, 1>) as EventKind[];

/** Client kinds named in hello (`client`) that get their own series; any other is "other". */
export const CLIENT_KINDS = ["web", "cli", "sdk", "bot", "other"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number] | "pending";
export const clientKind = (client: string): ClientKind =>
  (CLIENT_KINDS as readonly string[]).includes(client) ? (client as ClientKind) : "other";

export type HelloOutcome = "ok" | "unauthorized" | "failed" | "timeout";

/** Close codes with their own series: hubbub's table plus the standard ones peers send. */
const CLOSE_CODES = [...new Set<number>([...Object.values(CloseCode), 1005, 1008, 1012])];

/** Seconds: 0.1 ms to 10 s. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RESUME_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000];

const byKey = <K extends string, T>(keys: readonly K[], make: (k: K) => T): Record<K, T> =>
  Object.fromEntries(keys.map((k) => [k, make(k)])) as Record<K, T>;

export type MailboxKind = "connection" | "room" | "user";

export class HubMetrics {
  private readonly connections: Record<Encoding, Record<ClientKind, Gauge>>;
  private readonly opened: Record<Encoding, Counter>;
  private readonly closes: Map<number, Counter>;
  private readonly closeOther: Counter;
  readonly hellos: Record<HelloOutcome, Counter>;
  /** Frames received, by type; "invalid" for frames that did not decode or pass the guard. */
  readonly framesIn: Record<ClientFrameType | "invalid", Counter>;
  /** Error frames sent, by code. */
  readonly errors: Record<ErrorCode, Counter>;
  readonly eventsAppended: Record<EventKind, Counter>;
  readonly commitEvents: Histogram;
  readonly commitSeconds: Histogram;
  /** Kept by the journal (its stats), brought up to date at each scrape by `sampleJournal`. */
  private readonly commits: Counter;
  private readonly commitFailures: Counter;
  private journalSeen = { transactions: 0, failedBatches: 0 };
  readonly ackSeconds: Histogram;
  readonly publishes: Record<Encoding, Counter>;
  readonly deliveries: Record<Encoding, Counter>;
  readonly replayEvents: Counter;
  private readonly resumeSeconds: { resume: Histogram; fresh: Histogram };
  readonly slowConsumerCloses: Counter;
  readonly mailboxQueued: Record<MailboxKind, Gauge>;
  readonly mailboxQueuedMax: Record<MailboxKind, Gauge>;
  readonly journalQueued: Gauge;

  /** False with `--metrics off`: callers skip the clock reads that only timings need. */
  readonly enabled: boolean;

  constructor(readonly registry: Metrics) {
    this.enabled = registry !== noopMetrics;
    const m = registry;
    const conns = m.gauge({ name: "hubbub_connections", help: "Open WebSocket connections, by wire encoding and client kind (pending: no successful hello yet).", labelNames: ["encoding", "client"] });
    this.connections = byKey(ENCODINGS, (e) => byKey([...CLIENT_KINDS, "pending"] as ClientKind[], (c) => conns.labels(e, c)));
    const opened = m.counter({ name: "hubbub_connections_opened_total", help: "WebSocket connections opened, by wire encoding.", labelNames: ["encoding"] });
    this.opened = byKey(ENCODINGS, (e) => opened.labels(e));
    const closes = m.counter({ name: "hubbub_connection_closes_total", help: "WebSocket connections closed, by close code (either side's; codes outside hubbub's table are \"other\").", labelNames: ["code"] });
    this.closes = new Map(CLOSE_CODES.map((c) => [c, closes.labels(String(c))]));
    this.closeOther = closes.labels("other");
    const hellos = m.counter({ name: "hubbub_hellos_total", help: "Hello outcomes: ok, unauthorized (authentication refused), failed (server error), timeout (no hello in time).", labelNames: ["outcome"] });
    this.hellos = byKey(["ok", "unauthorized", "failed", "timeout"], (o) => hellos.labels(o));
    const frames = m.counter({ name: "hubbub_frames_in_total", help: "Client frames received, by type (invalid: undecodable or refused by the input guard).", labelNames: ["type"] });
    this.framesIn = byKey([...FRAME_TYPES, "invalid"], (t) => frames.labels(t));
    const errors = m.counter({ name: "hubbub_errors_total", help: "Error frames sent to clients, by error code.", labelNames: ["code"] });
    this.errors = byKey(Object.values(ErrorCode), (c) => errors.labels(c));
    const appended = m.counter({ name: "hubbub_events_appended_total", help: "Events committed to the log, by kind (idempotent retries not counted).", labelNames: ["kind"] });
    this.eventsAppended = byKey(EVENT_KINDS, (k) => appended.labels(k));
    this.commitEvents = m.histogram({ name: "hubbub_commit_batch_events", help: "Events per committed transaction (group commit).", buckets: BATCH_BUCKETS }).labels();
    this.commitSeconds = m.histogram({ name: "hubbub_commit_duration_seconds", help: "Time to write and commit one transaction, fsync included.", buckets: LATENCY_BUCKETS }).labels();
    this.commits = m.counter({ name: "hubbub_commits_total", help: "Transactions committed to the event log." }).labels();
    this.commitFailures = m.counter({ name: "hubbub_commit_failures_total", help: "Transactions that failed (their requests are retried one by one; an error reaches only the request that fails alone), or that the storage refused (disk full, I/O error: all its requests get store_unavailable)." }).labels();
    this.ackSeconds = m.histogram({ name: "hubbub_ack_latency_seconds", help: "From a command reaching the journal (the same synchronous step in which its frame was received, for a live connection) to its ack or error being queued for the client.", buckets: LATENCY_BUCKETS }).labels();
    const publishes = m.counter({ name: "hubbub_fanout_publishes_total", help: "Frames published to delivery topics, by wire encoding (one per topic and encoding in use).", labelNames: ["encoding"] });
    this.publishes = byKey(ENCODINGS, (e) => publishes.labels(e));
    const deliveries = m.counter({ name: "hubbub_fanout_deliveries_total", help: "Frames handed to subscribed sockets by topic publishes, by wire encoding.", labelNames: ["encoding"] });
    this.deliveries = byKey(ENCODINGS, (e) => deliveries.labels(e));
    this.replayEvents = m.counter({ name: "hubbub_replay_events_total", help: "Events sent to connections while replaying what they missed (hello with cursors, rooms joined on another device)." }).labels();
    const resume = m.histogram({ name: "hubbub_resume_duration_seconds", help: "From hello to synced: authentication, welcome and replay. kind=resume when the hello carried cursors, fresh otherwise.", labelNames: ["kind"], buckets: RESUME_BUCKETS });
    this.resumeSeconds = { resume: resume.labels("resume"), fresh: resume.labels("fresh") };
    this.slowConsumerCloses = m.counter({ name: "hubbub_slow_consumer_closes_total", help: "Connections closed with 4200 because their unsent backlog stayed over --slow-consumer-bytes." }).labels();
    const queued = m.gauge({ name: "hubbub_mailbox_queued", help: "Messages waiting in actor mailboxes, summed over the actors of a kind (sampled at scrape).", labelNames: ["actor"] });
    const queuedMax = m.gauge({ name: "hubbub_mailbox_queued_max", help: "Deepest single mailbox of a kind of actor (sampled at scrape).", labelNames: ["actor"] });
    const kinds: MailboxKind[] = ["connection", "room", "user"];
    this.mailboxQueued = byKey(kinds, (k) => queued.labels(k));
    this.mailboxQueuedMax = byKey(kinds, (k) => queuedMax.labels(k));
    this.journalQueued = m.gauge({ name: "hubbub_journal_queued_events", help: "Events submitted to the journal and not yet committed (sampled at scrape)." }).labels();
  }

  connectionOpened(encoding: Encoding): void {
    this.opened[encoding].inc();
    this.connections[encoding].pending.inc();
  }

  /** A successful hello: the connection moves from "pending" to its client kind. */
  helloOk(encoding: Encoding, client: string): void {
    this.hellos.ok.inc();
    this.connections[encoding].pending.dec();
    this.connections[encoding][clientKind(client)].inc();
  }

  /** `client` is "" if the connection never said a successful hello. */
  connectionClosed(encoding: Encoding | undefined, client: string, code: number): void {
    (this.closes.get(code) ?? this.closeOther).inc();
    if (encoding) this.connections[encoding][client === "" ? "pending" : clientKind(client)].dec();
  }

  /** Brings the journal's totals into the counters (called before a scrape; the journal counts anyway, so the commit path pays nothing). */
  sampleJournal(stats: { transactions: number; failedBatches: number; queued: number }): void {
    this.commits.inc(stats.transactions - this.journalSeen.transactions);
    this.commitFailures.inc(stats.failedBatches - this.journalSeen.failedBatches);
    this.journalSeen = { transactions: stats.transactions, failedBatches: stats.failedBatches };
    this.journalQueued.set(stats.queued);
  }

  resumed(withCursors: boolean, seconds: number): void {
    (withCursors ? this.resumeSeconds.resume : this.resumeSeconds.fresh).observe(seconds);
  }
}
