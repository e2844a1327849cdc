package broker

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/aerocell/aerocell/report/topic"
)

// Role names a standard set of access rules.
type Role string

const (
	// RoleController reads and writes everything under aerocell/v1/.
	RoleController Role = "controller"
	// RoleTeam reads status, drone states, coverage, the general alerts and
	// its own team's alerts, and writes only its own team's position and
	// requests.
	RoleTeam Role = "team"
	// RoleObserver reads everything under aerocell/v1/ and writes nothing
	// (commanders' dashboards, other agencies' systems).
	RoleObserver Role = "observer"
	// RoleCustom has only the rules listed with the user.
	RoleCustom Role = "custom"
)

// UsersVersion is the version of the users file format.
const UsersVersion = 1

// BcryptCost is the cost used by [HashPassword].
const BcryptCost = 10

// User is one login of the users file.
type User struct {
	// Username is the MQTT user name.
	Username string `yaml:"username"`
	// PasswordHash is the bcrypt hash of the password ($2a$, $2b$ or $2y$).
	// Plain-text passwords are refused.
	PasswordHash string `yaml:"password_hash"`
	// Role gives the standard rules; custom when empty.
	Role Role `yaml:"role,omitempty"`
	// Team is the team name for RoleTeam.
	Team string `yaml:"team,omitempty"`
	// Read and Write are filters granted in addition to the role's.
	Read  []string `yaml:"read,omitempty"`
	Write []string `yaml:"write,omitempty"`
	// Deny are filters refused before any grant is looked at.
	Deny []string `yaml:"deny,omitempty"`
	// Disabled refuses the login without deleting it.
	Disabled bool `yaml:"disabled,omitempty"`
}

// Anonymous says whether clients without a user name may connect, and what
// they may read. Anonymous clients never write.
type Anonymous struct {
	Enabled bool `yaml:"enabled"`
	// Read is the filters anonymous clients may read; the public ones
	// (status, coverage, general alerts) when empty.
	Read []string `yaml:"read,omitempty"`
}

// Users is the users file: logins with hashed passwords and their access
// rules. Anything a rule does not grant is denied.
type Users struct {
	Version   int       `yaml:"version"`
	Anonymous Anonymous `yaml:"anonymous"`
	Users     []User    `yaml:"users"`
}

// UsersError names the user and field of the users file that is wrong.
type UsersError struct {
	User  string // empty for file-level fields
	Field string
	Err   error
}

func (e *UsersError) Error() string {
	if e.User == "" {
		return fmt.Sprintf("broker: users file: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("broker: users file: user %q: %s: %v", e.User, e.Field, e.Err)
}

func (e *UsersError) Unwrap() error { return e.Err }

// ParseUsers reads and validates a users file (YAML).
func ParseUsers(r io.Reader) (*Users, error) {
	dec := yaml.NewDecoder(io.LimitReader(r, 4<<20))
	dec.KnownFields(true)
	u := new(Users)
	if err := dec.Decode(u); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &UsersError{Field: "version", Err: errors.New("empty file")}
		}
		return nil, fmt.Errorf("broker: users file: %w", err)
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return u, nil
}

// LoadUsers reads and validates the users file at path.
func LoadUsers(path string) (*Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	defer f.Close()
	return ParseUsers(f)
}

// Validate checks every field. It returns a *UsersError.
func (u *Users) Validate() error {
	if u.Version != UsersVersion {
		return &UsersError{Field: "version", Err: fmt.Errorf("got %d, want %d", u.Version, UsersVersion)}
	}
	for _, f := range u.Anonymous.Read {
		if err := checkFilter(f); err != nil {
			return &UsersError{Field: "anonymous.read", Err: err}
		}
	}
	seen := map[string]bool{}
	for i, x := range u.Users {
		name := x.Username
		if name == "" {
			return &UsersError{Field: fmt.Sprintf("users[%d].username", i), Err: errors.New("empty")}
		}
		if seen[name] {
			return &UsersError{User: name, Field: "username", Err: errors.New("listed twice")}
		}
		seen[name] = true
		if _, err := bcrypt.Cost([]byte(x.PasswordHash)); err != nil {
			return &UsersError{User: name, Field: "password_hash", Err: fmt.Errorf("not a bcrypt hash: %w", err)}
		}
		switch x.Role {
		case RoleController, RoleObserver, RoleCustom, "":
			if x.Team != "" {
				return &UsersError{User: name, Field: "team", Err: fmt.Errorf("only for role %q", RoleTeam)}
			}
		case RoleTeam:
			if err := topic.CheckName(x.Team); err != nil {
				return &UsersError{User: name, Field: "team", Err: err}
			}
		default:
			return &UsersError{User: name, Field: "role", Err: fmt.Errorf("unknown role %q", x.Role)}
		}
		for field, fs := range map[string][]string{"read": x.Read, "write": x.Write, "deny": x.Deny} {
			for _, f := range fs {
				if err := checkFilter(f); err != nil {
					return &UsersError{User: name, Field: field, Err: err}
				}
			}
		}
	}
	return nil
}

func checkFilter(f string) error {
	if f == "" || len(f) > 1024 {
		return fmt.Errorf("filter %q: empty or too long", f)
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		if l == "#" && i != len(levels)-1 {
			return fmt.Errorf("filter %q: '#' must be last", f)
		}
		if l != "#" && l != "+" && strings.ContainsAny(l, "#+") {
			return fmt.Errorf("filter %q: wildcard inside a level", f)
		}
	}
	return nil
}

// Marshal encodes the users file as YAML.
func (u *Users) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# aerocell MQTT users: bcrypt password hashes and access rules.\n# Anything no rule grants is denied. See docs/mqtt.md.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(u); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	return b.Bytes(), enc.Close()
}

// Save writes the users file to path with mode 0600, through a temporary
// file renamed over it.
func (u *Users) Save(path string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	data, err := u.Marshal()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	return nil
}

// Put adds the user, or replaces the user of the same name.
func (u *Users) Put(x User) {
	if u.Version == 0 {
		u.Version = UsersVersion
	}
	for i := range u.Users {
		if u.Users[i].Username == x.Username {
			u.Users[i] = x
			return
		}
	}
	u.Users = append(u.Users, x)
}

// Lookup returns the named user.
func (u *Users) Lookup(name string) (User, bool) {
	i := slices.IndexFunc(u.Users, func(x User) bool { return x.Username == name })
	if i < 0 {
		return User{}, false
	}
	return u.Users[i], true
}

// HashPassword returns the bcrypt hash of password.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("broker: %w", err)
	}
	return string(h), nil
}

// RandomPassword returns a password of 26 characters (130 bits from
// crypto/rand, base32: upper-case letters and digits 2-7), safe inside a URL.
func RandomPassword() string { return rand.Text() }

// grants is one user's compiled rules.
type grants struct {
	deny, read, write []string
}

// rules returns the filters a user is granted: the role's, then the listed
// ones.
func (x User) rules() grants {
	var g grants
	switch x.Role {
	case RoleController:
		g.read, g.write = topic.ControllerFilters()
	case RoleObserver:
		g.read = topic.ObserverFilters()
	case RoleTeam:
		g.read, g.write = topic.TeamFilters(x.Team)
	}
	g.deny = slices.Clone(x.Deny)
	g.read = append(g.read, x.Read...)
	g.write = append(g.write, x.Write...)
	return g
}
