package dashboard

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"dvpulse/dashboard/auth"
)

const (
	sessionCookie    = "dvp_session"
	loginCSRFCookie  = "dvp_login_csrf"
	principalKey     = "dvpulse.principal"
	csrfField        = "csrf"
	csrfHeader       = "X-CSRF-Token"
	maxLoginFailures = 10
	loginLockout     = 15 * time.Minute
)

// Principal is who makes a request.
type Principal struct {
	Username    string
	DisplayName string
	Role        auth.Role
	Communes    []string // only for locality officers
	Via         string   // session | token | off
	sessionID   string
}

// Scope returns what the principal may see.
func (p *Principal) Scope() Scope {
	if p.Role == auth.RoleLocalityOfficer {
		return Scope{Communes: append([]string{}, p.Communes...)}
	}
	return Scope{}
}

// IsAdmin reports whether p manages users.
func (p *Principal) IsAdmin() bool { return p.Role == auth.RoleAdmin && p.Via != "off" }

func principal(c *gin.Context) *Principal {
	if p, ok := c.Get(principalKey); ok {
		return p.(*Principal)
	}
	return nil
}

func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) cookieValue(id string) string { return id + "." + s.sign("session", id) }

// sessionID returns the session id of a correctly signed cookie value.
func (s *Server) sessionID(v string) (string, bool) {
	id, mac, ok := strings.Cut(v, ".")
	if !ok || id == "" || len(v) > 200 {
		return "", false
	}
	return id, hmac.Equal([]byte(mac), []byte(s.sign("session", id)))
}

// csrfToken is the synchronizer token of a session: an HMAC of its id.
func (s *Server) csrfToken(p *Principal) string {
	if p == nil || p.sessionID == "" {
		return ""
	}
	return s.sign("csrf", p.sessionID)
}

func (s *Server) secure(c *gin.Context) bool { return s.cfg.SecureCookies || c.Request.TLS != nil }

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int, sameSite http.SameSite) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure(c), SameSite: sameSite})
}

// authenticate finds the principal: an API token (Authorization: Bearer),
// else the session cookie. Without one, pages redirect to /login and the
// API answers 401.
func (s *Server) authenticate(c *gin.Context) {
	if s.cfg.Auth == "off" {
		c.Set(principalKey, &Principal{Username: "anonymous", Role: auth.RoleAnalyst, Via: "off"})
		c.Next()
		return
	}
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			s.unauthenticated(c, "the Authorization header must be \"Bearer <token>\"")
			return
		}
		u, name, err := s.tokenUser(ctx, strings.TrimSpace(tok))
		if err != nil {
			if !errors.Is(err, auth.ErrNotFound) {
				s.log.Error("token lookup failed", "err", err)
				apiError(c, http.StatusServiceUnavailable, "storage_unavailable", "", "the user store did not answer; retry shortly")
				c.Abort()
				return
			}
			s.unauthenticated(c, "the token is unknown, revoked or expired")
			return
		}
		c.Set(principalKey, &Principal{Username: u.Username, DisplayName: name, Role: u.Role, Communes: u.Communes, Via: "token"})
		c.Next()
		return
	}
	if v, err := c.Cookie(sessionCookie); err == nil {
		if id, ok := s.sessionID(v); ok {
			u, err := s.sessionUser(ctx, id)
			switch {
			case err == nil:
				c.Set(principalKey, &Principal{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Communes: u.Communes, Via: "session", sessionID: id})
				c.Next()
				return
			case !errors.Is(err, auth.ErrNotFound):
				s.log.Error("session lookup failed", "err", err)
				c.String(http.StatusServiceUnavailable, "the user store did not answer; retry shortly\n")
				c.Abort()
				return
			}
		}
		s.setCookie(c, sessionCookie, "", -1, http.SameSiteLaxMode)
	}
	s.unauthenticated(c, "sign in, or send an API token as Authorization: Bearer <token>")
}

func (s *Server) unauthenticated(c *gin.Context, msg string) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || c.GetHeader("Authorization") != "" {
		c.Header("WWW-Authenticate", `Bearer realm="dvpulse"`)
		apiError(c, http.StatusUnauthorized, "unauthenticated", "", msg)
		c.Abort()
		return
	}
	next := c.Request.URL.RequestURI()
	c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next)+"&lang="+langOf(c))
	c.Abort()
}

// checkCSRF rejects a state-changing request from a session without the
// session's synchronizer token (form field csrf or header X-CSRF-Token).
// Token-authenticated requests carry no ambient credential and need none.
func (s *Server) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	p := principal(c)
	if p != nil && p.Via == "token" {
		c.Next()
		return
	}
	if p == nil || p.Via != "session" {
		c.String(http.StatusForbidden, "forbidden\n")
		c.Abort()
		return
	}
	got := c.GetHeader(csrfHeader)
	if got == "" {
		got = c.PostForm(csrfField)
	}
	if want := s.csrfToken(p); got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		c.String(http.StatusForbidden, "invalid or missing CSRF token; reload the page and try again\n")
		c.Abort()
		return
	}
	c.Next()
}

func (s *Server) requireAdmin(c *gin.Context) {
	if p := principal(c); p == nil || !p.IsAdmin() {
		if s.cfg.Auth == "off" {
			s.renderError(c, http.StatusNotFound, "admin_off")
		} else {
			s.renderError(c, http.StatusForbidden, "forbidden")
		}
		c.Abort()
		return
	}
	c.Next()
}

// safeNext returns next when it is a path on this site, else "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func (s *Server) loginPage(c *gin.Context) {
	if s.cfg.Auth == "off" {
		c.Redirect(http.StatusSeeOther, "/?lang="+langOf(c))
		return
	}
	s.renderLogin(c, http.StatusOK, "", c.Query("next"))
}

func (s *Server) renderLogin(c *gin.Context, status int, errKey, next string) {
	tok := auth.HashSecret(randomKey())[:40]
	s.setCookie(c, loginCSRFCookie, tok, 3600, http.SameSiteStrictMode)
	p := s.newPage(c, "login", nil)
	p.Data = map[string]string{"CSRF": tok, "Next": safeNext(next), "ErrorKey": errKey}
	s.render(c, status, "login", p)
}

func (s *Server) loginSubmit(c *gin.Context) {
	if s.cfg.Auth == "off" {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	cookie, _ := c.Cookie(loginCSRFCookie)
	form := c.PostForm(csrfField)
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		s.renderLogin(c, http.StatusForbidden, "login_csrf", c.PostForm("next"))
		return
	}
	username := strings.ToLower(strings.TrimSpace(c.PostForm("username")))
	if !s.limiter.allow(username, s.now()) {
		s.renderLogin(c, http.StatusTooManyRequests, "login_locked", c.PostForm("next"))
		return
	}
	u, err := s.store.Authenticate(c.Request.Context(), username, c.PostForm("password"))
	if err != nil {
		if !errors.Is(err, auth.ErrNotFound) {
			s.log.Error("login failed", "err", err)
			s.renderLogin(c, http.StatusServiceUnavailable, "unavailable", c.PostForm("next"))
			return
		}
		s.limiter.fail(username, s.now())
		s.log.Info("failed sign-in", "username", clip(username), "remote", c.ClientIP())
		s.renderLogin(c, http.StatusUnauthorized, "login_failed", c.PostForm("next"))
		return
	}
	s.limiter.reset(username)
	id, _, err := s.store.CreateSession(c.Request.Context(), u, s.cfg.SessionTTL)
	if err != nil {
		s.log.Error("create session", "err", err)
		s.renderLogin(c, http.StatusServiceUnavailable, "unavailable", c.PostForm("next"))
		return
	}
	s.log.Info("signed in", "username", u.Username, "role", u.Role)
	s.setCookie(c, loginCSRFCookie, "", -1, http.SameSiteStrictMode)
	s.setCookie(c, sessionCookie, s.cookieValue(id), int(s.cfg.SessionTTL.Seconds()), http.SameSiteLaxMode)
	c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("next")))
}

func (s *Server) logout(c *gin.Context) {
	p := principal(c)
	if p != nil && p.sessionID != "" {
		if err := s.store.RevokeSession(c.Request.Context(), p.sessionID); err != nil && !errors.Is(err, auth.ErrNotFound) {
			s.log.Error("revoke session", "err", err)
		}
	}
	s.setCookie(c, sessionCookie, "", -1, http.SameSiteLaxMode)
	c.Redirect(http.StatusSeeOther, "/login?lang="+langOf(c))
}

// loginLimiter locks a username for loginLockout after maxLoginFailures
// failed sign-ins within loginLockout.
type loginLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{fails: map[string][]time.Time{}} }

func (l *loginLimiter) recent(name string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range l.fails[name] {
		if now.Sub(t) < loginLockout {
			keep = append(keep, t)
		}
	}
	if keep == nil {
		delete(l.fails, name)
	} else {
		l.fails[name] = keep
	}
	return keep
}

func (l *loginLimiter) allow(name string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(name, now)) < maxLoginFailures
}

func (l *loginLimiter) fail(name string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100000 {
		l.fails = map[string][]time.Time{}
	}
	l.fails[name] = append(l.recent(name, now), now)
}

func (l *loginLimiter) reset(name string) {
	l.mu.Lock()
	delete(l.fails, name)
	l.mu.Unlock()
}
