package airframe

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed airframes.yaml
var builtinYAML []byte

// Table is a set of airframes, in the order they were defined.
type Table []Airframe

// Builtin returns the airframes aerocell ships (airframes.yaml), in index
// order. Each call returns fresh copies.
func Builtin() Table {
	var t Table
	if err := yaml.Unmarshal(builtinYAML, &t); err != nil {
		panic("airframe: built-in table: " + err.Error()) // a build defect, caught by the package's tests
	}
	if err := t.Validate(""); err != nil {
		panic("airframe: built-in table: " + err.Error())
	}
	return t
}

// Clone returns a deep copy of the table.
func (t Table) Clone() Table {
	out := make(Table, len(t))
	for i, a := range t {
		out[i] = a.Clone()
	}
	return out
}

// ByName returns the airframe named name.
func (t Table) ByName(name string) (Airframe, bool) {
	for _, a := range t {
		if a.Name == name {
			return a.Clone(), true
		}
	}
	return Airframe{}, false
}

// ByIndex returns the airframe a drone declaring index (AC_PROFILE) is.
func (t Table) ByIndex(index int) (Airframe, bool) {
	for _, a := range t {
		if a.Index == index {
			return a.Clone(), true
		}
	}
	return Airframe{}, false
}

// Names lists the airframes' names, sorted.
func (t Table) Names() []string {
	out := make([]string, len(t))
	for i, a := range t {
		out[i] = a.Name
	}
	sort.Strings(out)
	return out
}

// Upsert replaces the airframe of a's name, or appends a.
func (t Table) Upsert(a Airframe) Table {
	for i := range t {
		if t[i].Name == a.Name {
			t[i] = a
			return t
		}
	}
	return append(t, a)
}

// Validate checks every airframe, and that names and indexes are unique;
// field names in errors are prefixed with prefix (e.g. "profiles").
func (t Table) Validate(prefix string) error {
	names := map[string]bool{}
	index := map[int]string{}
	for i, a := range t {
		p := fmt.Sprintf("%s[%d]", prefix, i)
		if err := a.Validate(p); err != nil {
			return err
		}
		if names[a.Name] {
			return fieldErr(p+".name", "%q defined twice", a.Name)
		}
		names[a.Name] = true
		if other, ok := index[a.Index]; ok {
			return fieldErr(p+".index", "%d is %q's already", a.Index, other)
		}
		index[a.Index] = a.Name
	}
	return nil
}

// Entry is an airframe as a user file writes it: Base names the airframe it
// starts from (every field not given is inherited from it).
type Entry struct {
	Base     string `yaml:"base"`
	Airframe `yaml:",inline"`
}

// maxFileSize bounds what Merge reads.
const maxFileSize = 1 << 20

// Merge reads a YAML list of entries and returns the table with them
// added, or overriding airframes of the same name; an entry with a base
// starts from a copy of that airframe (of the table, or an earlier entry).
// An entry without an index that adds a new name gets the next free one.
// Unknown fields are errors; errors name the entry and field as
// prefix[i].field. The table itself is not changed.
func (t Table) Merge(r io.Reader, prefix string) (Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errors.New("airframe: file larger than 1 MiB")
	}
	var nodes []yaml.Node
	if err := yaml.Unmarshal(data, &nodes); err != nil {
		return nil, fmt.Errorf("airframe: %s: %w", prefix, err)
	}
	return t.MergeNodes(nodes, prefix)
}

// MergeNodes is Merge for entries already parsed into YAML nodes (a section
// of a larger file).
func (t Table) MergeNodes(nodes []yaml.Node, prefix string) (Table, error) {
	out := t.Clone()
	for i := range nodes {
		p := fmt.Sprintf("%s[%d]", prefix, i)
		var probe struct {
			Base string `yaml:"base"`
			Name string `yaml:"name"`
		}
		if err := nodes[i].Decode(&probe); err != nil {
			return nil, fmt.Errorf("airframe: %s: %w", p, err)
		}
		var e Entry
		_, existing := out.ByName(probe.Name)
		switch {
		case probe.Base != "":
			b, ok := out.ByName(probe.Base)
			if !ok {
				return nil, fieldErr(p+".base", "unknown airframe %q (want one of %s)", probe.Base, strings.Join(out.Names(), ", "))
			}
			e.Airframe = b
			if !existing {
				e.Index = out.nextIndex()
			}
		case existing:
			e.Airframe, _ = out.ByName(probe.Name)
		default:
			e.Index = out.nextIndex()
		}
		if err := decodeStrict(&nodes[i], &e); err != nil {
			return nil, fmt.Errorf("airframe: %s: %w", p, err)
		}
		if err := e.Airframe.Validate(p); err != nil {
			return nil, err
		}
		if other, ok := out.ByIndex(e.Index); ok && other.Name != e.Name {
			return nil, fieldErr(p+".index", "%d is %q's already", e.Index, other.Name)
		}
		out = out.Upsert(e.Airframe)
	}
	if err := out.Validate(prefix); err != nil {
		return nil, err
	}
	return out, nil
}

func (t Table) nextIndex() int {
	n := 0
	for _, a := range t {
		n = max(n, a.Index+1)
	}
	return n
}

// decodeStrict decodes a node refusing unknown fields.
func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}
