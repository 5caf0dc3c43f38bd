package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Plan is a sweep: a name, the settings that determine every run's result,
// and the run ids in order.
type Plan struct {
	// Name identifies the kind of sweep (the study), e.g. "clusters".
	Name string
	// Settings is JSON-serialisable; two plans with the same name, settings
	// and ids produce the same results. Machine details that do not change
	// results (paths, progress callbacks) do not belong here.
	Settings any
	// IDs are the run ids, unique, in the order results are reported.
	IDs []string
}

// Validate checks the name and that the ids are unique and safe as
// directory names.
func (p *Plan) Validate() error {
	if err := checkID(p.Name); err != nil {
		return fmt.Errorf("sweep: name: %w", err)
	}
	if len(p.IDs) == 0 {
		return fmt.Errorf("sweep %s: no runs", p.Name)
	}
	seen := map[string]bool{}
	for _, id := range p.IDs {
		if err := checkID(id); err != nil {
			return fmt.Errorf("sweep %s: run id: %w", p.Name, err)
		}
		if seen[id] {
			return fmt.Errorf("sweep %s: run id %q appears twice", p.Name, id)
		}
		seen[id] = true
	}
	return nil
}

// checkID accepts non-empty names of letters, digits and . _ = + - that do
// not start with a dot (temporary directories do).
func checkID(id string) error {
	if id == "" {
		return fmt.Errorf("empty")
	}
	if id[0] == '.' {
		return fmt.Errorf("%q starts with a dot", id)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '=' || r == '+' || r == '-'
		if !ok {
			return fmt.Errorf("%q has the character %q (allowed: letters, digits, . _ = + -)", id, r)
		}
	}
	return nil
}

// identity is what the fingerprint covers.
type identity struct {
	Name     string          `json:"name"`
	Settings json.RawMessage `json:"settings"`
	IDs      []string        `json:"ids"`
}

// encode returns the settings as JSON and the fingerprint: the SHA-256 of
// name, settings and ids as JSON, in hex.
func (p *Plan) encode() (settings json.RawMessage, fingerprint string, err error) {
	b, err := json.Marshal(p.Settings)
	if err != nil {
		return nil, "", fmt.Errorf("sweep %s: settings: %w", p.Name, err)
	}
	return b, fingerprintOf(p.Name, b, p.IDs), nil
}

func fingerprintOf(name string, settings json.RawMessage, ids []string) string {
	b, _ := json.Marshal(identity{Name: name, Settings: settings, IDs: ids})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Fingerprint is the SHA-256 (hex) of the plan's name, settings and ids as
// JSON: equal fingerprints mean the same sweep.
func (p *Plan) Fingerprint() (string, error) {
	_, f, err := p.encode()
	return f, err
}
