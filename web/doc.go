// Package web serves the commander's page: one HTML file, one stylesheet and
// one script, embedded in the binary, drawing the fleet and the coverage on a
// canvas map in a local projection and giving orders through the API in
// package api. It needs no CDN and no internet, and no build step: the
// script is plain JavaScript with no library.
//
// The page holds no state of its own beyond the token the user gives it; it
// never reaches anything but the daemon that served it.
package web
