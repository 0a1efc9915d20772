CREATE TABLE "events" (
	"pos" bigint PRIMARY KEY NOT NULL,
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"author" text NOT NULL,
	"at" bigint NOT NULL,
	"cmid" text,
	"body" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "facts" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	CONSTRAINT "facts_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "heads" (
	"stream" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "log_meta" (
	"id" integer PRIMARY KEY NOT NULL,
	"epoch" text NOT NULL,
	"pos" bigint NOT NULL,
	CONSTRAINT "log_meta_one_row" CHECK ("log_meta"."id" = 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "events_stream_seq" ON "events" USING btree ("stream","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "events_cmid_author" ON "events" USING btree ("cmid","author") WHERE "events"."cmid" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "events_kind" ON "events" USING btree ("kind") WHERE "events"."kind" <> 'message';