// Package postgres is the PostgreSQL adapter, on pgx v5 (a pgxpool.Pool;
// no database/sql). It builds tables and views atomically (PostgreSQL's DDL
// is transactional), loads seeds with COPY, runs incremental models and
// snapshots, and turns connection failures into one-line messages that name
// the profile and target and never a secret.
//
// It does not start servers: scripts/postgres.sh starts a throwaway one for
// the tests, which read its URL from ELT_TEST_POSTGRES_URL.
package postgres
