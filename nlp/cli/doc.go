// Package cli implements the "dvpulse train" and "dvpulse score" commands
// for the NLP models, as functions the main binary calls with its
// arguments and standard streams:
//
//	os.Exit(cli.TrainMain(os.Args[2:], os.Stdout, os.Stderr))
//	os.Exit(cli.ScoreMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
package cli
