package main

import (
	"context"
	"fmt"
	"io"
)

func runRecall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("recall", stderr)
	var af apiFlags
	af.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aerocell recall [--api URL] [--token TOKEN]\n\n"+
			"Sends every drone of the open incident home (a commander's order).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := af.client().Recall(ctx); err != nil {
		return err
	}
	if af.json {
		return printJSON(stdout, map[string]string{"accepted": "recall"})
	}
	_, err := fmt.Fprintln(stdout, "recall accepted: every drone is going home")
	return err
}
