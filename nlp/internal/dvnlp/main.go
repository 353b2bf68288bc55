package main

import (
	"fmt"
	"os"

	"dvpulse/nlp/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dvnlp <train|score> [options]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "train":
		os.Exit(cli.TrainMain(os.Args[2:], os.Stdout, os.Stderr))
	case "score":
		os.Exit(cli.ScoreMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	fmt.Fprintf(os.Stderr, "dvnlp: unknown command %q\n", os.Args[1])
	os.Exit(2)
}
