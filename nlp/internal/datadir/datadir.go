package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrMissing reports that the shared data folder was not found.
var ErrMissing = errors.New("shared data folder ../shared/data not found")

// Find returns the shared data folder: $DVPULSE_DATA when set, otherwise
// ../shared/data next to the directory holding go.mod, searched upward
// from the working directory.
func Find() (string, error) {
	if d := os.Getenv("DVPULSE_DATA"); d != "" {
		return check(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("datadir: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return check(filepath.Join(d, "..", "shared", "data"))
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: no go.mod above %s", ErrMissing, wd)
		}
	}
}

func check(d string) (string, error) {
	st, err := os.Stat(d)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("%w: looked for %s (set DVPULSE_DATA to override); the evaluation needs the public corpora described in ../shared/data/README.md", ErrMissing, d)
	}
	return filepath.Clean(d), nil
}
