package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"dvpulse/dashboard/auth"
	"dvpulse/locality"
)

// AdminData is the admin page.
type AdminData struct {
	Users    []auth.User
	Tokens   []auth.Token
	Roles    []auth.Role
	NewToken string
}

func (s *Server) isCommune(code string) bool {
	_, err := s.loc.Lookup(locality.Scheme2025, code)
	return err == nil
}

func (s *Server) adminPage(c *gin.Context) { s.renderAdmin(c, http.StatusOK, "", "", "") }

func (s *Server) renderAdmin(c *gin.Context, status int, notice, errMsg, newToken string) {
	p := s.newPage(c, "admin", nil)
	ctx := c.Request.Context()
	users, err := s.store.ListUsers(ctx)
	if err == nil {
		var toks []auth.Token
		toks, err = s.store.ListTokens(ctx)
		p.Data = AdminData{Users: users, Tokens: toks, Roles: auth.Roles, NewToken: newToken}
	}
	if err != nil {
		s.log.Error("admin page", "err", err)
		p.Error = p.T["unavailable"]
		status = http.StatusServiceUnavailable
	}
	if errMsg != "" {
		p.Error = errMsg
	}
	p.Notice = notice
	s.render(c, status, "admin", p)
}

func (s *Server) adminSaveUser(c *gin.Context) {
	ctx := c.Request.Context()
	name := strings.ToLower(strings.TrimSpace(c.PostForm("username")))
	u, err := s.store.GetUser(ctx, name)
	isNew := errors.Is(err, auth.ErrNotFound)
	if err != nil && !isNew {
		s.renderAdmin(c, http.StatusServiceUnavailable, "", err.Error(), "")
		return
	}
	u.Username = name
	u.DisplayName = strings.TrimSpace(c.PostForm("display_name"))
	u.Role = auth.Role(c.PostForm("role"))
	u.Communes = auth.ParseCommunes(c.PostForm("communes"))
	u.Disabled = false
	if pw := c.PostForm("password"); pw != "" || isNew {
		h, err := auth.HashPassword(pw)
		if err != nil {
			s.renderAdmin(c, http.StatusBadRequest, "", err.Error(), "")
			return
		}
		u.PasswordHash = h
	}
	if err := u.Validate(s.isCommune); err != nil {
		s.renderAdmin(c, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	if err := s.store.PutUser(ctx, &u, principal(c).Username); err != nil {
		s.renderAdmin(c, http.StatusServiceUnavailable, "", err.Error(), "")
		return
	}
	s.log.Info("user saved", "username", u.Username, "role", u.Role, "by", principal(c).Username)
	s.renderAdmin(c, http.StatusOK, messages[langOf(c)]["saved"], "", "")
}

func (s *Server) adminDisableUser(c *gin.Context) {
	ctx := c.Request.Context()
	u, err := s.store.GetUser(ctx, c.PostForm("username"))
	if err != nil {
		s.renderAdmin(c, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	if u.Username == principal(c).Username {
		s.renderAdmin(c, http.StatusBadRequest, "", "you cannot disable yourself", "")
		return
	}
	u.Disabled = true
	if err := s.store.PutUser(ctx, &u, principal(c).Username); err != nil {
		s.renderAdmin(c, http.StatusServiceUnavailable, "", err.Error(), "")
		return
	}
	s.log.Info("user disabled", "username", u.Username, "by", principal(c).Username)
	s.renderAdmin(c, http.StatusOK, messages[langOf(c)]["saved"], "", "")
}

func (s *Server) adminCreateToken(c *gin.Context) {
	days, err := strconv.Atoi(c.DefaultPostForm("days", "0"))
	if err != nil || days < 0 || days > 3650 {
		s.renderAdmin(c, http.StatusBadRequest, "", "days: a number from 0 to 3650", "")
		return
	}
	name := strings.TrimSpace(c.PostForm("name"))
	if name == "" || len(name) > 100 {
		s.renderAdmin(c, http.StatusBadRequest, "", "name: 1 to 100 characters", "")
		return
	}
	tok, t, err := s.store.CreateToken(c.Request.Context(), c.PostForm("username"), name, time.Duration(days)*24*time.Hour)
	if err != nil {
		s.renderAdmin(c, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	s.log.Info("API token created", "token_id", t.ID, "username", t.Username, "by", principal(c).Username)
	s.renderAdmin(c, http.StatusOK, "", "", tok)
}

func (s *Server) adminRevokeToken(c *gin.Context) {
	if err := s.store.RevokeToken(c.Request.Context(), c.PostForm("token_id")); err != nil {
		s.renderAdmin(c, http.StatusBadRequest, "", err.Error(), "")
		return
	}
	s.log.Info("API token revoked", "token_id", clip(c.PostForm("token_id")), "by", principal(c).Username)
	s.renderAdmin(c, http.StatusOK, messages[langOf(c)]["saved"], "", "")
}
