package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"dvpulse/ingest"
	"dvpulse/internal/config"
)

const keysUsage = `Usage: dvpulse keys <create|list|revoke> [options]

Manages the write keys of the ingest API. The keys file stores only SHA-256
hashes of the tokens; a running ingest reloads it within a second.

  dvpulse keys create --name hotline_1022 --types 'feedback.*' \
      --localities '2025:18073,2025:18100' --rate 200
        prints the token once; send it as Authorization: Bearer <token>
  dvpulse keys list
  dvpulse keys revoke NAME

Keys are enforced as soon as the file lists one key (--ingest-auth=auto);
every command takes --ingest-keys-file (env DVPULSE_INGEST_KEYS_FILE,
default .state/ingest-keys.json).
`

// runKeys implements "dvpulse keys".
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	_ = ctx
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, keysUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("dvpulse keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("ingest-keys-file", ingest.DefaultConfig().KeysFile, "JSON file of write keys")
	var name, types, locs string
	var rate float64
	var burst int
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "key name, usually the sending system (letters, digits, _ . -)")
		fs.StringVar(&types, "types", "*", "comma-separated event types the key may write: exact, prefix.* or *")
		fs.StringVar(&locs, "localities", "*", "comma-separated scheme:code localities the key may write (e.g. 2025:18073), or *")
		fs.Float64Var(&rate, "rate", 0, "requests per second allowed (0: unlimited)")
		fs.IntVar(&burst, "burst", 0, "requests allowed at once above the rate (default: the rate)")
	case "list", "revoke":
	default:
		fmt.Fprintf(stderr, "dvpulse keys: unknown subcommand %q\n\n%s", sub, keysUsage)
		return 2
	}
	fs.Usage = config.Usage(fs, "dvpulse keys "+sub+" [options]", keysUsage)
	if err := config.Parse(fs, rest, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse keys:", err)
		return 2
	}
	now := time.Now()
	switch sub {
	case "create":
		if name == "" {
			fmt.Fprintln(stderr, "dvpulse keys create: --name is required")
			return 2
		}
		token, err := ingest.CreateKey(*file, ingest.NewKeyRequest{Name: name, Types: splitComma(types),
			Localities: splitComma(locs), Rate: rate, Burst: burst}, now)
		if err != nil {
			fmt.Fprintln(stderr, "dvpulse keys create:", err)
			return 1
		}
		fmt.Fprintf(stderr, "key %s added to %s; the token is shown only this once:\n", name, *file)
		fmt.Fprintln(stdout, token)
		return 0
	case "list":
		kf, err := ingest.ReadKeyFile(*file)
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "no keys file at %s: ingest auth is off (auto mode)\n", *file)
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "dvpulse keys list:", err)
			return 1
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTYPES\tLOCALITIES\tRATE/S\tBURST\tCREATED\tSTATUS")
		for _, k := range kf.Keys {
			status := "active"
			if k.RevokedAt != nil {
				status = "revoked " + k.RevokedAt.Format(time.RFC3339)
			}
			r := "unlimited"
			if k.Rate > 0 {
				r = fmt.Sprint(k.Rate)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", k.Name, strings.Join(k.Types, ","), strings.Join(k.Localities, ","),
				r, k.Burst, k.CreatedAt.Format(time.RFC3339), status)
		}
		tw.Flush()
		return 0
	default: // revoke
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "dvpulse keys revoke: give exactly one key name")
			return 2
		}
		if err := ingest.RevokeKey(*file, fs.Arg(0), now); err != nil {
			fmt.Fprintln(stderr, "dvpulse keys revoke:", err)
			return 1
		}
		fmt.Fprintf(stdout, "key %s revoked; ingest refuses it with 401 within a second\n", fs.Arg(0))
		return 0
	}
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
