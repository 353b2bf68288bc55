package main

import (
	"context"
	"io"

	"dvpulse/importer"
)

// runImport runs `dvpulse import`: see importer.Main and
// `dvpulse import --help`.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return importer.Main(ctx, args, stdout, stderr)
}
