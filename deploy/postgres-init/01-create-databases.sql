-- Runs once, when the PostgreSQL container initialises an empty data directory
-- (mounted at /docker-entrypoint-initdb.d by docker-compose.yml).
--
-- Each service gets its own database owned by its own role, so no service can read
-- another service's tables (DESIGN.md, "Shape").
--
-- DEVELOPMENT ONLY: the passwords below are the well-known docker-compose defaults.
-- In production use a managed PostgreSQL, create the roles with real passwords and
-- put the URLs in the Kubernetes Secret (deploy/k8s/secret.template.yaml).

CREATE ROLE billing LOGIN PASSWORD 'billing';
CREATE ROLE dunning LOGIN PASSWORD 'dunning';
CREATE ROLE pause   LOGIN PASSWORD 'pause';

CREATE DATABASE billing OWNER billing;
CREATE DATABASE dunning OWNER dunning;
CREATE DATABASE pause   OWNER pause;

-- Only the owning role (and the superuser) may connect to each database.
REVOKE CONNECT, TEMPORARY ON DATABASE billing FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE dunning FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE pause   FROM PUBLIC;

-- PostgreSQL 15: the public schema belongs to pg_database_owner, so each owner role
-- can create its tables there; no further grants are needed.
