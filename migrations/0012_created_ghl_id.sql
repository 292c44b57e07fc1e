ALTER TABLE "appointments" ADD COLUMN "created_ghl_id" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "created_ghl_id" text;--> statement-breakpoint
ALTER TABLE "notes" ADD COLUMN "created_ghl_id" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "created_ghl_id" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "created_ghl_id" text;