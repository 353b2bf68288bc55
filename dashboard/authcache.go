package dashboard

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"dvpulse/dashboard/auth"
)

// authCache keeps, for Config.AuthCacheTTL, who a valid API token or
// session cookie belongs to, so that a busy client does not cost two
// ClickHouse queries (credential, then user) on every request. Only
// successful lookups are kept; unknown credentials always reach the
// store. A change made through this process's Store (a revoked token or
// session, a disabled or changed user) is honoured at once, because each
// entry remembers the Store's generation; one made by another process
// (the CLI, another dashboard) within the TTL. A token's or session's own
// expiry is checked on every request.
type authCache struct {
	ttl time.Duration
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]authEntry
}

type authEntry struct {
	user       auth.User
	name       string    // the token's name (tokens only)
	expires    time.Time // the credential's expiry; zero: never
	generation uint64
	until      time.Time // when the entry stops being used
}

func newAuthCache(ttl time.Duration, now func() time.Time) *authCache {
	if ttl <= 0 {
		return nil
	}
	return &authCache{ttl: ttl, now: now, max: 10000, entries: map[[sha256.Size]byte]authEntry{}}
}

// key separates tokens from sessions and never keeps the secret itself.
func authKey(kind, secret string) [sha256.Size]byte {
	return sha256.Sum256([]byte(kind + "\x00" + secret))
}

// lookup returns the kept entry for key, if it is still usable.
func (c *authCache) lookup(key [sha256.Size]byte, generation uint64) (authEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	now := c.now()
	if !ok || e.generation != generation || !now.Before(e.until) || (!e.expires.IsZero() && !now.Before(e.expires)) {
		return authEntry{}, false
	}
	return e, true
}

func (c *authCache) put(key [sha256.Size]byte, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		// Rare (more live credentials than max): start over rather than
		// track ages.
		clear(c.entries)
	}
	e.until = c.now().Add(c.ttl)
	c.entries[key] = e
}

// tokenUser returns the enabled user of a valid token and the token's
// name (Store.TokenUser), through the auth cache when it is on.
func (s *Server) tokenUser(ctx context.Context, token string) (auth.User, string, error) {
	if s.authCache == nil {
		u, t, err := s.store.TokenUser(ctx, token)
		return u, t.Name, err
	}
	key, gen := authKey("token", token), s.store.Generation()
	if e, ok := s.authCache.lookup(key, gen); ok {
		return e.user, e.name, nil
	}
	u, t, err := s.store.TokenUser(ctx, token)
	if err != nil {
		return u, t.Name, err
	}
	s.authCache.put(key, authEntry{user: u, name: t.Name, expires: t.ExpiresAt, generation: gen})
	return u, t.Name, nil
}

// sessionUser is Store.SessionUser through the auth cache when it is on.
func (s *Server) sessionUser(ctx context.Context, id string) (auth.User, error) {
	if s.authCache == nil {
		u, _, err := s.store.SessionUser(ctx, id)
		return u, err
	}
	key, gen := authKey("session", id), s.store.Generation()
	if e, ok := s.authCache.lookup(key, gen); ok {
		return e.user, nil
	}
	u, ss, err := s.store.SessionUser(ctx, id)
	if err != nil {
		return u, err
	}
	s.authCache.put(key, authEntry{user: u, expires: ss.ExpiresAt, generation: gen})
	return u, nil
}
