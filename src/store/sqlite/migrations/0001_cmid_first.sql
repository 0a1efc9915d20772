DROP INDEX `events_author_cmid`;--> statement-breakpoint
CREATE UNIQUE INDEX `events_cmid_author` ON `events` (`cmid`,`author`) WHERE "events"."cmid" IS NOT NULL;