-- The non-superuser role every tenant-scoped transaction switches to, so Row-Level Security applies.
-- Roles are cluster-wide: tolerate another database (or a concurrent test run) having created it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'switchboard_app') THEN
    CREATE ROLE switchboard_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
-- A non-superuser connection user needs membership to SET ROLE; superusers already can.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'switchboard_app', 'MEMBER') THEN
    EXECUTE format('GRANT switchboard_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO switchboard_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO switchboard_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO switchboard_app;
