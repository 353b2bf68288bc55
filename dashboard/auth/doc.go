// Package auth holds the dashboard's users, sessions and API tokens in
// ClickHouse (tables dashboard_users, dashboard_sessions and
// dashboard_api_tokens of migration 0090) and hashes their secrets:
// passwords with argon2id, session ids and API tokens with SHA-256 (they are
// 256-bit random values, so a fast hash is enough).
//
// Every change inserts a new version of a row (ReplacingMergeTree); readers
// use FINAL, so a disabled user, a changed password or a revoked token takes
// effect on the next request. A Store is safe for concurrent use.
package auth
