// Package config binds command-line flags to DVPULSE_* environment
// variables. Precedence is: flag default, then environment, then the
// command line.
package config

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// EnvName returns the environment variable that sets flag name:
// "kafka-brokers" becomes "DVPULSE_KAFKA_BROKERS".
func EnvName(name string) string {
	return "DVPULSE_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
}

// Parse parses args into fs after applying DVPULSE_* environment values to
// every flag that the command line does not set. lookup is os.LookupEnv
// outside tests. It returns an error naming the variable when a value from
// the environment does not parse.
func Parse(fs *flag.FlagSet, args []string, lookup func(string) (string, bool)) error {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		if v, ok := lookup(EnvName(f.Name)); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("environment %s=%q: %w", EnvName(f.Name), v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}

// Usage returns a flag.Usage function that prints a command summary, then
// each flag with its default and the environment variable that sets it.
func Usage(fs *flag.FlagSet, synopsis, description string) func() {
	return func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n%s\n\nOptions (each can also be set by the environment variable shown):\n", synopsis, strings.TrimSpace(description))
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s\n        %s%s\n        env %s\n", f.Name, f.Usage, def, EnvName(f.Name))
		})
	}
}
