-- Contact search on a location with a million contacts (issue 14 point 7): trigram indexes for the
-- substring search on name, email and phone, a GIN index for the tag filter, and sort indexes for the
-- list. pg_trgm is a contrib extension marked trusted (PostgreSQL 13+): the database owner may create
-- it without being a superuser. PGlite loads it from @electric-sql/pglite/contrib/pg_trgm
-- (src/platform/db/pglite-extensions.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX "contacts_location_date_added_idx" ON "contacts" USING btree ("location_id","date_added" DESC NULLS LAST,"id" DESC NULLS FIRST,"company_id","deleted_at");--> statement-breakpoint
CREATE INDEX "contacts_location_source_updated_idx" ON "contacts" USING btree ("location_id","source_updated_at" DESC NULLS LAST,"id" DESC NULLS FIRST,"company_id","deleted_at");--> statement-breakpoint
CREATE INDEX "contacts_full_name_trgm_idx" ON "contacts" USING gin ("full_name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_first_last_name_trgm_idx" ON "contacts" USING gin ((coalesce("first_name" || ' ' || "last_name", "first_name", "last_name")) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_email_trgm_idx" ON "contacts" USING gin ("email" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_phone_trgm_idx" ON "contacts" USING gin ("phone" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "contacts_tags_idx" ON "contacts" USING gin ("tags");
--> statement-breakpoint
-- Under Row-Level Security the planner will not use an index for a condition whose operator is not
-- leakproof (ILIKE, @>): the policy must be evaluated first. This view, owned by the migrator, reads
-- contacts without the policy and states it instead as a plain condition (the same expression as
-- contacts_tenant_isolation), so the search conditions can use the indexes above. It exposes ids and
-- the searched and sorted columns; a search takes the ids of its page (and its count) from here and
-- reads the rows from contacts, under RLS (crm-read.repo.ts). Not a security_barrier view on
-- purpose: that would block the indexes again.
CREATE VIEW "contacts_search" AS
SELECT c.id, c.location_id, c.full_name,
  coalesce(c.first_name || ' ' || c.last_name, c.first_name, c.last_name) AS first_last_name,
  c.email, c.phone, c.tags, c.date_added, c.source_updated_at, c.deleted_at
FROM contacts c
WHERE current_setting('app.platform_admin', true) = 'on'
  OR (c.company_id = current_setting('app.company_id', true)
    AND (current_setting('app.location_ids', true) = '*'
      OR c.location_id = any(string_to_array(current_setting('app.location_ids', true), ','))));
