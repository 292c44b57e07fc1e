ALTER TABLE "ghl_tokens" ADD COLUMN "refresh_lease_id" text;--> statement-breakpoint
ALTER TABLE "ghl_tokens" ADD COLUMN "refresh_lease_until" timestamp with time zone;