CREATE TABLE "webhook_rollups" (
	"bucket_at" timestamp with time zone NOT NULL,
	"queue" text NOT NULL,
	"tenant_key" text NOT NULL,
	"received" integer DEFAULT 0 NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"dead" integer DEFAULT 0 NOT NULL,
	"latency_count" integer DEFAULT 0 NOT NULL,
	"latency_sum_ms" double precision DEFAULT 0 NOT NULL,
	"within_sla" integer DEFAULT 0 NOT NULL,
	"latency_buckets" integer[] NOT NULL,
	CONSTRAINT "webhook_rollups_pkey" PRIMARY KEY("bucket_at","queue","tenant_key")
);
--> statement-breakpoint
CREATE INDEX "webhook_rollups_tenant_idx" ON "webhook_rollups" USING btree ("tenant_key","bucket_at");