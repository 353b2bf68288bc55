package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Role is what a user may see and do.
type Role string

// The roles. Admins manage users and tokens and see everything; leaders and
// analysts see every locality; a locality officer sees only the 2025
// communes listed on the user.
const (
	RoleAdmin           Role = "admin"
	RoleLeader          Role = "leader"
	RoleAnalyst         Role = "analyst"
	RoleLocalityOfficer Role = "locality_officer"
)

// Roles lists the roles in display order.
var Roles = []Role{RoleAdmin, RoleLeader, RoleAnalyst, RoleLocalityOfficer}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("auth: unknown role %q; one of admin, leader, analyst, locality_officer", s)
}

// Errors.
var (
	ErrNotFound     = errors.New("auth: not found")
	ErrBadUsername  = errors.New("auth: username must be 2-64 characters of a-z, 0-9, '.', '_' or '-'")
	ErrNeedCommunes = errors.New("auth: a locality_officer needs at least one commune")
)

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// User is one dashboard account.
type User struct {
	Username     string
	DisplayName  string
	Role         Role
	Communes     []string // 2025 commune codes; only for RoleLocalityOfficer
	PasswordHash string
	Disabled     bool
	UpdatedAt    time.Time
	UpdatedBy    string
	Version      uint64
}

// Validate checks the username, role and commune list; known reports
// whether a commune code exists (nil accepts any).
func (u *User) Validate(known func(string) bool) error {
	if !usernameRe.MatchString(u.Username) {
		return ErrBadUsername
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return err
	}
	if u.Role == RoleLocalityOfficer && len(u.Communes) == 0 {
		return ErrNeedCommunes
	}
	if u.Role != RoleLocalityOfficer {
		u.Communes = nil
	}
	for _, c := range u.Communes {
		if known != nil && !known(c) {
			return fmt.Errorf("auth: %q is not a 2025 commune code of the province", c)
		}
	}
	return nil
}

// Session is a signed-in browser.
type Session struct {
	Hash        string
	Username    string
	UserVersion uint64
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Revoked     bool
}

// Token is an API token for another system; it acts as its user.
type Token struct {
	ID        string
	Username  string
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	Revoked   bool
	hash      string
}

// Store reads and writes the auth tables through conn.
type Store struct {
	conn driver.Conn
	now  func() time.Time
	last atomic.Uint64
}

// NewStore returns a store over a database migrated with 0090.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn, now: time.Now} }

// Generation changes whenever this Store writes a user, token or session
// row, so that a caller caching its answers (the dashboard's token cache)
// drops them at once after a change made through this process.
func (s *Store) Generation() uint64 { return s.last.Load() }

// version returns a strictly increasing row version (nanoseconds).
func (s *Store) version() uint64 {
	for {
		v := uint64(s.now().UnixNano())
		old := s.last.Load()
		if v <= old {
			v = old + 1
		}
		if s.last.CompareAndSwap(old, v) {
			return v
		}
	}
}

func (s *Store) insert(ctx context.Context, insert string, values ...any) error {
	b, err := s.conn.PrepareBatch(ctx, insert)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Append(values...); err != nil {
		return err
	}
	return b.Send()
}

const userCols = "username, display_name, role, communes, password_hash, disabled, updated_at, updated_by, version"

// PutUser stores u as the newest version of its row; u.Version is set.
func (s *Store) PutUser(ctx context.Context, u *User, by string) error {
	if err := u.Validate(nil); err != nil {
		return err
	}
	u.Version, u.UpdatedAt, u.UpdatedBy = s.version(), s.now(), by
	communes := u.Communes
	if communes == nil {
		communes = []string{}
	}
	var disabled uint8
	if u.Disabled {
		disabled = 1
	}
	if err := s.insert(ctx, "INSERT INTO dashboard_users ("+userCols+")", u.Username, u.DisplayName, string(u.Role), communes,
		u.PasswordHash, disabled, u.UpdatedAt, by, u.Version); err != nil {
		return fmt.Errorf("auth: store user %s: %w", u.Username, err)
	}
	return nil
}

func (s *Store) users(ctx context.Context, where string, args ...any) ([]User, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+userCols+" FROM dashboard_users FINAL "+where+" ORDER BY username", args...)
	if err != nil {
		return nil, fmt.Errorf("auth: read users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var role string
		var disabled uint8
		if err := rows.Scan(&u.Username, &u.DisplayName, &role, &u.Communes, &u.PasswordHash, &disabled, &u.UpdatedAt, &u.UpdatedBy, &u.Version); err != nil {
			return nil, fmt.Errorf("auth: read users: %w", err)
		}
		u.Role, u.Disabled = Role(role), disabled == 1
		out = append(out, u)
	}
	return out, rows.Err()
}

// GetUser returns the newest version of username, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, username string) (User, error) {
	us, err := s.users(ctx, "WHERE username = ?", username)
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, ErrNotFound
	}
	return us[0], nil
}

// ListUsers returns every user, disabled ones included.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) { return s.users(ctx, "") }

// CountActiveAdmins returns how many enabled admins exist.
func (s *Store) CountActiveAdmins(ctx context.Context) (int, error) {
	us, err := s.users(ctx, "WHERE role = 'admin' AND disabled = 0")
	return len(us), err
}

// Authenticate returns the enabled user whose password matches, or
// ErrNotFound; it takes as long for unknown users as for known ones.
func (s *Store) Authenticate(ctx context.Context, username, password string) (User, error) {
	u, err := s.GetUser(ctx, username)
	if errors.Is(err, ErrNotFound) {
		VerifyPassword(dummyHash, password)
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	if !VerifyPassword(u.PasswordHash, password) || u.Disabled {
		return User{}, ErrNotFound
	}
	return u, nil
}

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is the SHA-256 hex of a session id or token secret.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

const sessionCols = "session_hash, username, user_version, created_at, expires_at, revoked, version"

// CreateSession stores a session of u that lasts ttl and returns its id
// (the secret the cookie carries).
func (s *Store) CreateSession(ctx context.Context, u User, ttl time.Duration) (string, Session, error) {
	id := randomID(32)
	now := s.now()
	ss := Session{Hash: HashSecret(id), Username: u.Username, UserVersion: u.Version, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.insert(ctx, "INSERT INTO dashboard_sessions ("+sessionCols+")", ss.Hash, ss.Username, ss.UserVersion, ss.CreatedAt, ss.ExpiresAt, uint8(0), s.version()); err != nil {
		return "", Session{}, fmt.Errorf("auth: store session: %w", err)
	}
	return id, ss, nil
}

// RevokeSession ends the session with id.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	ss, err := s.session(ctx, HashSecret(id))
	if err != nil {
		return err
	}
	if err := s.insert(ctx, "INSERT INTO dashboard_sessions ("+sessionCols+")", ss.Hash, ss.Username, ss.UserVersion, ss.CreatedAt, ss.ExpiresAt, uint8(1), s.version()); err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return nil
}

func (s *Store) session(ctx context.Context, hash string) (Session, error) {
	var ss Session
	var revoked uint8
	err := s.conn.QueryRow(ctx, "SELECT "+sessionCols+" FROM dashboard_sessions FINAL WHERE session_hash = ?", hash).
		Scan(&ss.Hash, &ss.Username, &ss.UserVersion, &ss.CreatedAt, &ss.ExpiresAt, &revoked, new(uint64))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Session{}, ErrNotFound
		}
		return Session{}, fmt.Errorf("auth: read session: %w", err)
	}
	ss.Revoked = revoked == 1
	return ss, nil
}

// SessionUser returns the user of a live session: not revoked, not
// expired, and the user unchanged since sign-in (a new password, role or
// disabling ends every session) and enabled. Otherwise ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, id string) (User, Session, error) {
	ss, err := s.session(ctx, HashSecret(id))
	if err != nil {
		return User{}, Session{}, err
	}
	if ss.Revoked || !s.now().Before(ss.ExpiresAt) {
		return User{}, Session{}, ErrNotFound
	}
	u, err := s.GetUser(ctx, ss.Username)
	if err != nil {
		return User{}, Session{}, err
	}
	if u.Disabled || u.Version != ss.UserVersion {
		return User{}, Session{}, ErrNotFound
	}
	return u, ss, nil
}

const tokenCols = "token_id, token_hash, username, name, created_at, expires_at, revoked, version"

// TokenPrefix starts every API token.
const TokenPrefix = "dvp_"

// CreateToken creates an API token for username and returns the token
// text, shown once: "dvp_<id>_<secret>". ttl 0 means no expiry.
func (s *Store) CreateToken(ctx context.Context, username, name string, ttl time.Duration) (string, Token, error) {
	if _, err := s.GetUser(ctx, username); err != nil {
		return "", Token{}, fmt.Errorf("auth: token for %q: %w", username, err)
	}
	id := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(randomID(9)))
	secret := randomID(32)
	now := s.now()
	t := Token{ID: id, Username: username, Name: name, CreatedAt: now, hash: HashSecret(secret)}
	exp := time.Unix(0, 0)
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
		exp = t.ExpiresAt
	}
	if err := s.insert(ctx, "INSERT INTO dashboard_api_tokens ("+tokenCols+")", t.ID, t.hash, t.Username, t.Name, t.CreatedAt, exp, uint8(0), s.version()); err != nil {
		return "", Token{}, fmt.Errorf("auth: store token: %w", err)
	}
	return TokenPrefix + id + "_" + secret, t, nil
}

func (s *Store) tokens(ctx context.Context, where string, args ...any) ([]Token, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+tokenCols+" FROM dashboard_api_tokens FINAL "+where+" ORDER BY username, created_at", args...)
	if err != nil {
		return nil, fmt.Errorf("auth: read tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var revoked uint8
		var v uint64
		if err := rows.Scan(&t.ID, &t.hash, &t.Username, &t.Name, &t.CreatedAt, &t.ExpiresAt, &revoked, &v); err != nil {
			return nil, fmt.Errorf("auth: read tokens: %w", err)
		}
		if t.ExpiresAt.Unix() <= 0 {
			t.ExpiresAt = time.Time{}
		}
		t.Revoked = revoked == 1
		out = append(out, t)
	}
	return out, rows.Err()
}

// ListTokens returns every token (never the secrets).
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) { return s.tokens(ctx, "") }

// RevokeToken revokes the token with id.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	ts, err := s.tokens(ctx, "WHERE token_id = ?", id)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return ErrNotFound
	}
	t := ts[0]
	exp := t.ExpiresAt
	if exp.IsZero() {
		exp = time.Unix(0, 0)
	}
	if err := s.insert(ctx, "INSERT INTO dashboard_api_tokens ("+tokenCols+")", t.ID, t.hash, t.Username, t.Name, t.CreatedAt, exp, uint8(1), s.version()); err != nil {
		return fmt.Errorf("auth: revoke token: %w", err)
	}
	return nil
}

// TokenUser returns the enabled user of a valid, unrevoked, unexpired
// token, or ErrNotFound.
func (s *Store) TokenUser(ctx context.Context, token string) (User, Token, error) {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok {
		return User{}, Token{}, ErrNotFound
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || id == "" || secret == "" || len(token) > 200 {
		return User{}, Token{}, ErrNotFound
	}
	ts, err := s.tokens(ctx, "WHERE token_id = ?", id)
	if err != nil {
		return User{}, Token{}, err
	}
	if len(ts) == 0 {
		return User{}, Token{}, ErrNotFound
	}
	t := ts[0]
	if subtle.ConstantTimeCompare([]byte(t.hash), []byte(HashSecret(secret))) != 1 || t.Revoked ||
		(!t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt)) {
		return User{}, Token{}, ErrNotFound
	}
	u, err := s.GetUser(ctx, t.Username)
	if err != nil {
		return User{}, Token{}, err
	}
	if u.Disabled {
		return User{}, Token{}, ErrNotFound
	}
	return u, t, nil
}

// ParseCommunes splits a comma-separated commune list, trimmed, sorted and
// without duplicates.
func ParseCommunes(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
