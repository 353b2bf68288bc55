// Package golden compares a test's output with a file kept in testdata, or
// rewrites the file when the test runs with -update.
package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// Check fails t unless the file at path holds exactly got. With update it
// first writes got there (creating the folder). rerun is the command that
// regenerates the file, named in the failure.
func Check(t testing.TB, path, got string, update bool, rerun string) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run %s)", err, rerun)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: rerun %s if the change is intended", path, rerun)
	}
}
