package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestRunUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"fly-to-the-moon"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(errb.String(), "Commands:") {
		t.Fatalf("usage not printed: %q", errb.String())
	}
}

func TestRunVersion(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"version"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "aerocell ") {
		t.Fatalf("version printed %q", out.String())
	}
}

func TestRunNoArgsIsUsageError(t *testing.T) {
	var errb bytes.Buffer
	err := Run(context.Background(), nil, &errb, &errb)
	if exitCode(err) != 2 {
		t.Fatalf("exit code %d for no args", exitCode(err))
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := newFlagSet("x", io.Discard)
	out := fs.String("out", "", "")
	q := fs.Bool("q", false, "")
	pos, err := parseInterleaved(fs, []string{"a.yaml", "--out", "dir", "-q", "--", "-b"})
	if err != nil || *out != "dir" || !*q || len(pos) != 2 || pos[0] != "a.yaml" || pos[1] != "-b" {
		t.Fatalf("pos %v out %q q %v err %v", pos, *out, *q, err)
	}
	if _, err := parseInterleaved(fs, []string{"a", "--nope"}); exitCode(err) != 2 {
		t.Fatalf("unknown flag: %v", err)
	}
}
