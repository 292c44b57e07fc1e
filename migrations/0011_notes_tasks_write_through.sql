ALTER TABLE "notes" ALTER COLUMN "ghl_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "ghl_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notes" ADD COLUMN "contact_id" text;--> statement-breakpoint
ALTER TABLE "notes" ADD COLUMN "local_changes" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "notes" ADD COLUMN "last_pushed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notes" ADD COLUMN "push_error" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "contact_id" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "local_changes" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "last_pushed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "push_error" text;