// Package examples ships the sample disaster areas and SITL scenarios with
// the binary, so that `aerocell serve --demo` and the scenario tests need no
// file beside it. The files under areas/ and sitl/ are the same that a user
// reads and edits in the repository.
package examples

import "embed"

// Files holds areas/*.geojson and sitl/*.yaml.
//
//go:embed areas/*.geojson sitl/*.yaml
var Files embed.FS
