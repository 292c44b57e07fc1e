CREATE TABLE "webhook_entity_versions" (
	"ordering_key" text PRIMARY KEY NOT NULL,
	"version_at" timestamp with time zone NOT NULL,
	"event_id" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"provider" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event_type" text NOT NULL,
	"queue" text NOT NULL,
	"priority" smallint NOT NULL,
	"ghl_location_id" text,
	"ghl_company_id" text,
	"fairness_key" text NOT NULL,
	"ordering_key" text,
	"occurred_at" timestamp with time zone,
	"payload" jsonb NOT NULL,
	"body_sha256" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"locked_by" text,
	"last_error" text,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"replay_count" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_provider_delivery_key" ON "webhook_events" USING btree ("provider","delivery_id");--> statement-breakpoint
CREATE INDEX "webhook_events_claim_idx" ON "webhook_events" USING btree ("queue","fairness_key","priority" DESC NULLS LAST,"run_at","id") WHERE status in ('pending', 'retry');--> statement-breakpoint
CREATE INDEX "webhook_events_ready_idx" ON "webhook_events" USING btree ("queue","priority" DESC NULLS LAST,"run_at") WHERE status in ('pending', 'retry');--> statement-breakpoint
CREATE INDEX "webhook_events_ordering_idx" ON "webhook_events" USING btree ("ordering_key","id") WHERE status in ('pending', 'retry', 'running');--> statement-breakpoint
CREATE INDEX "webhook_events_lease_idx" ON "webhook_events" USING btree ("lease_until") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "webhook_events_finished_idx" ON "webhook_events" USING btree ("queue","finished_at") WHERE status in ('done', 'skipped');--> statement-breakpoint
CREATE INDEX "webhook_events_location_idx" ON "webhook_events" USING btree ("ghl_location_id","id");--> statement-breakpoint
CREATE INDEX "webhook_events_status_idx" ON "webhook_events" USING btree ("status","id");