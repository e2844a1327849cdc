package main

import (
	"bytes"
	"context"
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
