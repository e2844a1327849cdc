package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/aerocell/aerocell/api"
)

func TestRecall(t *testing.T) {
	f := &apiFake{}
	url := startAPI(t, f)
	if _, err := runCLI(t, "recall", "--api", url, "--token", cliCommander); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.got(), []string{"recall"}) {
		t.Fatalf("orders %v", f.got())
	}
	_, err := runCLI(t, "recall", "--api", url, "--token", cliViewer)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 403 || len(f.got()) != 1 {
		t.Fatalf("viewer recall: %v, orders %v", err, f.got())
	}
}
