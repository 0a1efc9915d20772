CREATE TABLE `events` (
	`pos` integer PRIMARY KEY NOT NULL,
	`stream` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`author` text NOT NULL,
	`at` integer NOT NULL,
	`cmid` text,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_stream_seq` ON `events` (`stream`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_author_cmid` ON `events` (`author`,`cmid`) WHERE "events"."cmid" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `events_kind` ON `events` (`kind`) WHERE "events"."kind" <> 'message';--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `snapshots` (
	`name` text PRIMARY KEY NOT NULL,
	`pos` integer NOT NULL,
	`version` integer NOT NULL,
	`data` text NOT NULL
);
