package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"dvpulse/dashboard/auth"
	"dvpulse/internal/config"
	"dvpulse/locality"
	"dvpulse/warehouse"
)

const usersUsage = `Usage: dvpulse users <command> [options]

Manages the dashboard's users and API tokens in ClickHouse (applying the
migrations first). Passwords are stored as argon2id hashes, tokens as
SHA-256 hashes; a token is printed once, when it is created.

Commands:
  add            --username U --role R [--communes C1,C2] [--display-name N]
                 (--password-stdin | --generate-password)
                 roles: admin, leader, analyst, locality_officer (needs --communes,
                 2025 commune codes); adding an existing user replaces it
  list           list users
  disable        --username U           (ends the user's sessions and tokens)
  set-password   --username U (--password-stdin | --generate-password)
  token create   --username U --name N [--days D]   (D = 0: never expires)
  token revoke   --id ID
  token list     list tokens

Every command takes the ClickHouse options (--clickhouse-addr, …) and
--province (default 42).
`

func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, usersUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, rest := args[0], args[1:]
	if cmd == "token" {
		if len(rest) == 0 {
			fmt.Fprint(stderr, usersUsage)
			return 2
		}
		cmd, rest = "token "+rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("dvpulse users "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	chcfg := warehouse.DefaultConfig()
	chcfg.RegisterFlags(fs)
	province := fs.String("province", "42", "province whose 2025 commune codes --communes accepts")
	username := fs.String("username", "", "username (2-64 of a-z, 0-9, '.', '_', '-')")
	role := fs.String("role", "", "admin, leader, analyst or locality_officer")
	communes := fs.String("communes", "", "comma-separated 2025 commune codes (locality_officer)")
	display := fs.String("display-name", "", "full name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	pwGen := fs.Bool("generate-password", false, "generate a random password and print it once")
	name := fs.String("name", "", "token: name of the system that uses it")
	days := fs.Int("days", 365, "token: days until it expires (0 = never)")
	id := fs.String("id", "", "token id (see token list)")
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage) }
	if err := config.Parse(fs, rest, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse users:", err)
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "dvpulse users %s: "+format+"\n", append([]any{cmd}, a...)...)
		return code
	}
	password := func() (string, bool, error) {
		switch {
		case *pwStdin && *pwGen:
			return "", false, errors.New("give --password-stdin or --generate-password, not both")
		case *pwStdin:
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return "", false, err
			}
			return strings.TrimRight(line, "\r\n"), false, nil
		case *pwGen:
			return auth.RandomPassword(), true, nil
		}
		return "", false, errors.New("give --password-stdin or --generate-password")
	}
	known := map[string]bool{"add": true, "list": true, "disable": true, "set-password": true, "token create": true, "token revoke": true, "token list": true}
	if !known[cmd] {
		fmt.Fprintf(stderr, "dvpulse users: unknown command %q\n\n%s", cmd, usersUsage)
		return 2
	}
	reg, err := locality.Load(*province)
	if err != nil {
		return fail(2, "%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	conn, err := warehouse.Open(ctx, chcfg)
	if err != nil {
		return fail(1, "%v", err)
	}
	defer conn.Close()
	if _, err := migrate(ctx, conn, slog.New(slog.NewTextHandler(io.Discard, nil)), chcfg.Cluster); err != nil {
		return fail(1, "migrations: %v", err)
	}
	st := auth.NewStore(conn)
	isCommune := func(c string) bool { _, err := reg.Lookup(locality.Scheme2025, c); return err == nil }
	by := "cli:" + os.Getenv("USER")

	switch cmd {
	case "add":
		r, err := auth.ParseRole(*role)
		if err != nil {
			return fail(2, "%v", err)
		}
		pw, generated, err := password()
		if err != nil {
			return fail(2, "%v", err)
		}
		h, err := auth.HashPassword(pw)
		if err != nil {
			return fail(2, "%v", err)
		}
		u := auth.User{Username: strings.ToLower(*username), DisplayName: *display, Role: r, Communes: auth.ParseCommunes(*communes), PasswordHash: h}
		if err := u.Validate(isCommune); err != nil {
			return fail(2, "%v", err)
		}
		if err := st.PutUser(ctx, &u, by); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "user %s added (role %s)\n", u.Username, u.Role)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "list":
		us, err := st.ListUsers(ctx)
		if err != nil {
			return fail(1, "%v", err)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USERNAME\tROLE\tCOMMUNES\tSTATUS\tUPDATED")
		for _, u := range us {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, strings.Join(u.Communes, ","), status, u.UpdatedAt.Format(time.RFC3339))
		}
		w.Flush()
	case "disable", "set-password":
		u, err := st.GetUser(ctx, strings.ToLower(*username))
		if err != nil {
			return fail(1, "user %q: %v", *username, err)
		}
		var pw string
		var generated bool
		if cmd == "disable" {
			u.Disabled = true
		} else {
			if pw, generated, err = password(); err != nil {
				return fail(2, "%v", err)
			}
			if u.PasswordHash, err = auth.HashPassword(pw); err != nil {
				return fail(2, "%v", err)
			}
			u.Disabled = false
		}
		if err := st.PutUser(ctx, &u, by); err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "user %s: done\n", u.Username)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "token create":
		if *name == "" || *days < 0 {
			return fail(2, "--name is required and --days must not be negative")
		}
		tok, t, err := st.CreateToken(ctx, strings.ToLower(*username), *name, time.Duration(*days)*24*time.Hour)
		if err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stderr, "token %s created for %s; it is shown only now:\n", t.ID, t.Username)
		fmt.Fprintln(stdout, tok)
	case "token revoke":
		if err := st.RevokeToken(ctx, *id); err != nil {
			return fail(1, "token %q: %v", *id, err)
		}
		fmt.Fprintf(stdout, "token %s revoked\n", *id)
	case "token list":
		ts, err := st.ListTokens(ctx)
		if err != nil {
			return fail(1, "%v", err)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tUSERNAME\tNAME\tCREATED\tEXPIRES\tSTATUS")
		for _, t := range ts {
			exp, status := "never", "active"
			if !t.ExpiresAt.IsZero() {
				exp = t.ExpiresAt.Format("2006-01-02")
			}
			if t.Revoked {
				status = "revoked"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, t.CreatedAt.Format("2006-01-02"), exp, status)
		}
		w.Flush()
	}
	return 0
}
