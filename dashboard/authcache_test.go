package dashboard

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

// TestAuthCacheHonoursRevocations checks the auth cache's promise: a token
// or session revoked through this process stops at once; one revoked by
// another process (another Store over the same tables, as the users CLI
// is) works for at most AuthCacheTTL more, and not after it.
func TestAuthCacheHonoursRevocations(t *testing.T) {
	var offset atomic.Int64 // the server's clock runs this far ahead
	e := newEnv(t, func(c *Config) { c.AuthCacheTTL = 2 * time.Second })
	e.s.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	e.s.authCache.now = e.s.now
	ctx := t.Context()
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	other := auth.NewStore(e.conn) // "another process"

	tok, tk, err := e.s.store.CreateToken(ctx, "ana", "portal", 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.apiGet(tok, "/api/v1/meta"); code != 200 {
		t.Fatalf("new token: %d", code)
	}
	if err := other.RevokeToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.apiGet(tok, "/api/v1/meta"); code != 200 {
		t.Fatalf("token revoked elsewhere, within the TTL: %d, want 200 from the cache", code)
	}
	offset.Store(int64(3 * time.Second))
	if code, _ := e.apiGet(tok, "/api/v1/meta"); code != http.StatusUnauthorized {
		t.Fatalf("token revoked elsewhere, after the TTL: %d, want 401", code)
	}

	// The same through this process: at once.
	tok2, tk2, err := e.s.store.CreateToken(ctx, "ana", "portal-2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.apiGet(tok2, "/api/v1/meta"); code != 200 {
		t.Fatalf("second token: %d", code)
	}
	if err := e.s.store.RevokeToken(ctx, tk2.ID); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.apiGet(tok2, "/api/v1/meta"); code != http.StatusUnauthorized {
		t.Fatalf("token revoked through this process: %d, want 401 at once", code)
	}

	// A session whose user another process disables.
	c := e.client()
	c.login("ana", "analyst-password")
	if code, _, _ := c.get("/"); code != 200 {
		t.Fatalf("signed in: %d", code)
	}
	u, err := other.GetUser(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if err := other.PutUser(ctx, &u, "test"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := c.get("/"); code != 200 {
		t.Fatalf("user disabled elsewhere, within the TTL: %d, want 200 from the cache", code)
	}
	offset.Store(int64(6 * time.Second))
	if code, _, _ := c.get("/"); code != http.StatusSeeOther {
		t.Fatalf("user disabled elsewhere, after the TTL: %d, want a redirect to sign-in", code)
	}
	// An unknown token is never kept, nor answered from the cache.
	if code, _ := e.apiGet(tok+"x", "/api/v1/meta"); code != http.StatusUnauthorized {
		t.Fatalf("forged token: %d", code)
	}
}
