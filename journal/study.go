package journal

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StudyState is where a study is in its life.
type StudyState string

// Study states. A study is created, running while a process works on it,
// interrupted when that process stopped early (signal, crash found on
// reopen, error), failed when a session ended with every trial it ran
// failed (a night that produced nothing; the session's end event says
// why) and finished when its budget was spent.
const (
	StudyCreated     StudyState = "created"
	StudyRunning     StudyState = "running"
	StudyInterrupted StudyState = "interrupted"
	StudyFailed      StudyState = "failed"
	StudyFinished    StudyState = "finished"
)

func (s StudyState) valid() bool {
	switch s {
	case StudyCreated, StudyRunning, StudyInterrupted, StudyFailed, StudyFinished:
		return true
	}
	return false
}

// Study is one search: its stored configuration, the fingerprint of the
// data it was started on and the data profile. Trials, rounds and events
// hang below it and are read with their own calls.
type Study struct {
	Name  string
	State StudyState

	// ConfigVersion is the version of Config's format, which the experiment
	// package defines and migrates; the journal stores Config opaquely.
	ConfigVersion int
	Config        json.RawMessage

	// Data is the fingerprint of the input file at creation (or at the last
	// SetFingerprint, after a run with --allow-data-change).
	Data Fingerprint

	// Profile is the dataset profile as JSON (the features package's form);
	// may be empty.
	Profile json.RawMessage

	// Schema is how the study reads its table (the experiment package's
	// form: each column's kind and categories as loaded at creation), so
	// that later commands read the file as the search did. Empty for a
	// study created before it was stored, until SetSchema.
	Schema json.RawMessage

	Created time.Time
	Updated time.Time
}

// Keys inside a study's bucket, and its nested buckets.
var (
	keyStudy       = []byte("study")
	keyConfig      = []byte("config")
	keyFingerprint = []byte("fingerprint")
	keyProfile     = []byte("profile")
	keyTableSchema = []byte("schema") // optional: absent in studies created before it
	bucketTrials   = []byte("trials")
	bucketRounds   = []byte("rounds")
	bucketEvents   = []byte("events")
	bucketSpecs    = []byte("spec_hashes") // spec hash → trial id (8 bytes), spec id (8 bytes, schema 3)
	// bucketSpecStore holds each spec once by spec id (schema 3, spec.go).
	bucketSpecStore = []byte("specs")
	// bucketHoldoutReads holds HoldoutRead records by sequence (schema 2).
	bucketHoldoutReads = []byte("holdout_reads")
)

type studyRecord struct {
	versioned
	Name    string     `json:"name"`
	State   StudyState `json:"state"`
	Created time.Time  `json:"created"`
	Updated time.Time  `json:"updated"`
}

type configRecord struct {
	versioned
	ConfigVersion int             `json:"config_version"`
	Config        json.RawMessage `json:"config"`
}

type fingerprintRecord struct {
	versioned
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type profileRecord struct {
	versioned
	Profile json.RawMessage `json:"profile,omitempty"`
}

type schemaRecord struct {
	versioned
	Schema json.RawMessage `json:"schema"`
}

// ValidateStudyName returns an error wrapping ErrInvalidName unless name is
// 1 to 100 characters from [A-Za-z0-9._-].
func ValidateStudyName(name string) error {
	if name == "" || len(name) > 100 {
		return fmt.Errorf("study name %q: want 1 to 100 characters from A-Z a-z 0-9 . _ -: %w", name, ErrInvalidName)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return fmt.Errorf("study name %q: character %q at byte %d is not one of A-Z a-z 0-9 . _ -: %w", name, r, i, ErrInvalidName)
		}
	}
	return nil
}

// studiesRoot returns the bucket holding one bucket per study.
func studiesRoot(tx *bolt.Tx) (*bolt.Bucket, error) {
	root := tx.Bucket(bucketStudies)
	if root == nil {
		return nil, fmt.Errorf("journal %s: no %q bucket: %w", tx.DB().Path(), bucketStudies, ErrNotJournal)
	}
	return root, nil
}

// studyBucket returns the study's bucket or an error wrapping ErrUnknownStudy.
func studyBucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	root, err := studiesRoot(tx)
	if err != nil {
		return nil, err
	}
	b := root.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("study %q is not in journal %s (nightshift status lists the studies): %w", name, tx.DB().Path(), ErrUnknownStudy)
	}
	return b, nil
}

// CreateStudy stores a new study with its nested buckets in one transaction
// and returns it as stored. State defaults to StudyCreated and Created and
// Updated to the journal's clock. Config must be valid JSON with
// ConfigVersion ≥ 1; Profile may be empty. A taken name returns
// ErrStudyExists.
func (j *Journal) CreateStudy(s Study) (Study, error) {
	if err := ValidateStudyName(s.Name); err != nil {
		return Study{}, err
	}
	if s.State == "" {
		s.State = StudyCreated
	}
	if !s.State.valid() {
		return Study{}, fmt.Errorf("study %q: state %q is not one of created, running, interrupted, finished: %w", s.Name, s.State, ErrInvalidRecord)
	}
	if err := checkConfig(s.Name, s.ConfigVersion, s.Config); err != nil {
		return Study{}, err
	}
	if !validRaw(s.Profile) {
		return Study{}, fmt.Errorf("study %q: profile is not valid JSON: %w", s.Name, ErrInvalidRecord)
	}
	if !validRaw(s.Schema) {
		return Study{}, fmt.Errorf("study %q: schema is not valid JSON: %w", s.Name, ErrInvalidRecord)
	}
	now := j.opts.Now().UTC()
	if s.Created.IsZero() {
		s.Created = now
	}
	s.Updated = now
	err := j.update(func(tx *bolt.Tx) error {
		root, err := studiesRoot(tx)
		if err != nil {
			return err
		}
		if root.Bucket([]byte(s.Name)) != nil {
			return fmt.Errorf("study %q already exists in journal %s (continue it with --study %s, or pick another name): %w", s.Name, j.path, s.Name, ErrStudyExists)
		}
		b, err := root.CreateBucket([]byte(s.Name))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketTrials, bucketRounds, bucketEvents, bucketSpecs, bucketHoldoutReads, bucketSpecStore} {
			if _, err := b.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := putStudyRecord(b, s); err != nil {
			return err
		}
		if err := putJSON(b, keyConfig, s.Name, configRecord{versioned: current(), ConfigVersion: s.ConfigVersion, Config: s.Config}); err != nil {
			return err
		}
		if err := putJSON(b, keyFingerprint, s.Name, fingerprintRecord{versioned: current(), Size: s.Data.Size, SHA256: s.Data.SHA256}); err != nil {
			return err
		}
		if len(s.Schema) > 0 {
			if err := putJSON(b, keyTableSchema, s.Name, schemaRecord{versioned: current(), Schema: s.Schema}); err != nil {
				return err
			}
		}
		return putJSON(b, keyProfile, s.Name, profileRecord{versioned: current(), Profile: s.Profile})
	})
	if err != nil {
		return Study{}, err
	}
	return s, nil
}

func checkConfig(name string, version int, cfg json.RawMessage) error {
	if version < 1 {
		return fmt.Errorf("study %q: config version %d, want ≥ 1: %w", name, version, ErrInvalidRecord)
	}
	if len(cfg) == 0 || !json.Valid(cfg) {
		return fmt.Errorf("study %q: config is empty or not valid JSON: %w", name, ErrInvalidRecord)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, study string, rec any) error {
	data, err := encodeRecord(fmt.Sprintf("study %q %s", study, key), rec)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func putStudyRecord(b *bolt.Bucket, s Study) error {
	return putJSON(b, keyStudy, s.Name, studyRecord{versioned: current(), Name: s.Name, State: s.State, Created: s.Created, Updated: s.Updated})
}

func getJSON(b *bolt.Bucket, key []byte, study string, dst record) error {
	what := fmt.Sprintf("study %q %s", study, key)
	data := b.Get(key)
	if data == nil {
		return fmt.Errorf("%s: missing: %w", what, ErrInvalidRecord)
	}
	return decodeRecord(what, data, dst)
}

func readStudy(b *bolt.Bucket, name string) (Study, error) {
	var sr studyRecord
	var cr configRecord
	var fr fingerprintRecord
	var pr profileRecord
	if err := getJSON(b, keyStudy, name, &sr); err != nil {
		return Study{}, err
	}
	if err := getJSON(b, keyConfig, name, &cr); err != nil {
		return Study{}, err
	}
	if err := getJSON(b, keyFingerprint, name, &fr); err != nil {
		return Study{}, err
	}
	if err := getJSON(b, keyProfile, name, &pr); err != nil {
		return Study{}, err
	}
	var sc schemaRecord
	if b.Get(keyTableSchema) != nil {
		if err := getJSON(b, keyTableSchema, name, &sc); err != nil {
			return Study{}, err
		}
	}
	return Study{
		Schema: sc.Schema,
		Name:   name, State: sr.State,
		ConfigVersion: cr.ConfigVersion, Config: cr.Config,
		Data:    Fingerprint{Size: fr.Size, SHA256: fr.SHA256},
		Profile: pr.Profile,
		Created: sr.Created, Updated: sr.Updated,
	}, nil
}

// GetStudy returns the named study, or an error wrapping ErrUnknownStudy.
func (j *Journal) GetStudy(name string) (Study, error) {
	var s Study
	err := j.view(func(tx *bolt.Tx) error {
		b, err := studyBucket(tx, name)
		if err != nil {
			return err
		}
		s, err = readStudy(b, name)
		return err
	})
	return s, err
}

// ListStudies returns every study, ordered by name.
func (j *Journal) ListStudies() ([]Study, error) {
	var out []Study
	err := j.view(func(tx *bolt.Tx) error {
		root, err := studiesRoot(tx)
		if err != nil {
			return err
		}
		return root.ForEachBucket(func(k []byte) error {
			s, err := readStudy(root.Bucket(k), string(k))
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// modifyStudy reads the study, lets fn change its record fields and the
// bucket, and writes the study record back with Updated set, all in one
// transaction.
func (j *Journal) modifyStudy(name string, fn func(b *bolt.Bucket, s *Study) error) error {
	return j.update(func(tx *bolt.Tx) error {
		b, err := studyBucket(tx, name)
		if err != nil {
			return err
		}
		var sr studyRecord
		if err := getJSON(b, keyStudy, name, &sr); err != nil {
			return err
		}
		s := Study{Name: name, State: sr.State, Created: sr.Created}
		if err := fn(b, &s); err != nil {
			return err
		}
		s.Updated = j.opts.Now().UTC()
		return putStudyRecord(b, s)
	})
}

// SetStudyState records the study's state in its own transaction.
func (j *Journal) SetStudyState(name string, state StudyState) error {
	if !state.valid() {
		return fmt.Errorf("study %q: state %q is not one of created, running, interrupted, finished: %w", name, state, ErrInvalidRecord)
	}
	return j.modifyStudy(name, func(_ *bolt.Bucket, s *Study) error {
		s.State = state
		return nil
	})
}

// SetStudyConfig replaces the stored config (for example after the
// experiment package migrated it to a newer ConfigVersion).
func (j *Journal) SetStudyConfig(name string, version int, config json.RawMessage) error {
	if err := checkConfig(name, version, config); err != nil {
		return err
	}
	return j.modifyStudy(name, func(b *bolt.Bucket, _ *Study) error {
		return putJSON(b, keyConfig, name, configRecord{versioned: current(), ConfigVersion: version, Config: config})
	})
}

// SetFingerprint replaces the stored data fingerprint (a run that was
// allowed to continue on changed data).
func (j *Journal) SetFingerprint(name string, fp Fingerprint) error {
	return j.modifyStudy(name, func(b *bolt.Bucket, _ *Study) error {
		return putJSON(b, keyFingerprint, name, fingerprintRecord{versioned: current(), Size: fp.Size, SHA256: fp.SHA256})
	})
}

// SetProfile replaces the stored dataset profile.
func (j *Journal) SetProfile(name string, profile json.RawMessage) error {
	if !validRaw(profile) {
		return fmt.Errorf("study %q: profile is not valid JSON: %w", name, ErrInvalidRecord)
	}
	return j.modifyStudy(name, func(b *bolt.Bucket, _ *Study) error {
		return putJSON(b, keyProfile, name, profileRecord{versioned: current(), Profile: profile})
	})
}

// SetSchema stores how the study reads its table (see Study.Schema): at
// creation through CreateStudy, or later for a study created before the
// schema was stored.
func (j *Journal) SetSchema(name string, schema json.RawMessage) error {
	if len(schema) == 0 || !json.Valid(schema) {
		return fmt.Errorf("study %q: schema is empty or not valid JSON: %w", name, ErrInvalidRecord)
	}
	return j.modifyStudy(name, func(b *bolt.Bucket, _ *Study) error {
		return putJSON(b, keyTableSchema, name, schemaRecord{versioned: current(), Schema: schema})
	})
}
