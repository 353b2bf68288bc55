package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"default", nil, nil, "def"},
		{"env over default", map[string]string{"DVPULSE_KAFKA_BROKERS": "env:1"}, nil, "env:1"},
		{"flag over env", map[string]string{"DVPULSE_KAFKA_BROKERS": "env:1"}, []string{"--kafka-brokers", "flag:1"}, "flag:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			v := fs.String("kafka-brokers", "def", "brokers")
			err := Parse(fs, tt.args, func(k string) (string, bool) { s, ok := tt.env[k]; return s, ok })
			if err != nil {
				t.Fatal(err)
			}
			if *v != tt.want {
				t.Fatalf("got %q, want %q", *v, tt.want)
			}
		})
	}
}

func TestBadEnvValueNamesVariable(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Duration("flush-interval", time.Second, "")
	err := Parse(fs, nil, func(k string) (string, bool) {
		if k == "DVPULSE_FLUSH_INTERVAL" {
			return "soon", true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), "DVPULSE_FLUSH_INTERVAL") {
		t.Fatalf("error %v does not name the variable", err)
	}
}
