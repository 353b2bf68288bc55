-- 0090: the dashboard's users, sessions and API tokens. Every table is a
-- ReplacingMergeTree keyed by its id with a version column: a change
-- (new password, role, disabling, revoking) inserts a new version, and
-- readers use FINAL. Secrets are never stored: passwords as argon2id hashes,
-- session ids and API tokens as SHA-256 hashes.

CREATE TABLE IF NOT EXISTS dashboard_users (
    username String,
    display_name String,
    role String,
    communes Array(String),
    password_hash String,
    disabled UInt8,
    updated_at DateTime('Asia/Ho_Chi_Minh'),
    updated_by String,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY username;

CREATE TABLE IF NOT EXISTS dashboard_sessions (
    session_hash String,
    username String,
    user_version UInt64,
    created_at DateTime('Asia/Ho_Chi_Minh'),
    expires_at DateTime('Asia/Ho_Chi_Minh'),
    revoked UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY session_hash;

CREATE TABLE IF NOT EXISTS dashboard_api_tokens (
    token_id String,
    token_hash String,
    username String,
    name String,
    created_at DateTime('Asia/Ho_Chi_Minh'),
    expires_at DateTime('Asia/Ho_Chi_Minh'),
    revoked UInt8,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY token_id;
