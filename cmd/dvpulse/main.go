// Command dvpulse runs the dvpulse services and tools. See `dvpulse help`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	nlpcli "dvpulse/nlp/cli"
)

const usage = `dvpulse: event pipeline and dashboards for mass-mobilisation work (công tác dân vận)

Usage: dvpulse <command> [options]

Services:
  all          run ingest, projector and dashboard in one process
  ingest       HTTP API that validates events and publishes them to Kafka
  projector    Kafka consumer that writes events to ClickHouse exactly once
               ("dvpulse projector rebuild NAME" rebuilds one projection from the event log;
               "dvpulse projector rescore" rescores feedback after a model upgrade)
  dashboard    web pages and the JSON/CSV API

Tools:
  migrate      apply the ClickHouse migrations and exit
  demo         send realistic demo events through the ingest API
  import       send a CSV (commune spreadsheet) or NDJSON file through the ingest API
  keys         create, list and revoke the ingest API's write keys
  users        manage dashboard users and API tokens
  population   import each commune's population (for models per 10,000 people)
  score        score Vietnamese texts (stdin, one per line) for sentiment and topics
  train        retrain the sentiment model or evaluate the topic lexicon

Every command explains its options with --help, e.g. "dvpulse all --help".
Options can also be set with DVPULSE_* environment variables; the command
line wins over the environment, which wins over the defaults.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a command and returns the process exit code: 0 success,
// 1 failure, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	case "all", "ingest", "projector", "dashboard":
		if cmd == "projector" && len(rest) > 0 && rest[0] == "rebuild" {
			return RunRebuild(ctx, rest[1:], stdout, stderr)
		}
		if cmd == "projector" && len(rest) > 0 && rest[0] == "rescore" {
			return RunRescore(ctx, rest[1:], stdout, stderr)
		}
		return runServices(ctx, cmd, rest, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "users":
		return runUsers(ctx, rest, stdout, stderr)
	case "keys":
		return runKeys(ctx, rest, stdout, stderr)
	case "population":
		return runPopulation(ctx, rest, stdout, stderr)
	case "score":
		return nlpcli.ScoreMain(rest, os.Stdin, stdout, stderr)
	case "train":
		return nlpcli.TrainMain(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "dvpulse: unknown command %q\n\n%s", cmd, usage)
	return 2
}
