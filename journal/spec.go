package journal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The spec store: each spec is stored once, in the study's specs bucket
// under a number of its own (the bucket's sequence), and trials and planner
// proposals refer to it by that number, "spec_id" (schema 3; before it the
// spec was copied into the trial record with its model, features,
// parameters and seed spelled out again, and into its round's proposal,
// with its 64-character hash beside each copy).
//
//	specs/        big-endian spec ID → specEntryVersion, uvarint len(hash), hash,
//	              uvarint len(spec), spec JSON, hypothesis of its first proposal
//	spec_hashes/  hash → 8-byte big-endian ID of the trial that ran (or runs) the
//	              spec, 0 while it has only been proposed, then the 8-byte spec ID
//	              (absent: a trial written without a spec, or a schema-2 value)
//
// The layout is binary rather than JSON because status reads one entry per
// trial and decoding JSON is most of what that costs.
//
// A record refers to the store only when the store's spec is byte for byte
// its own; otherwise it keeps its spec inline, as before schema 3. A
// referring record leaves out every field it shares with the entry: a
// trial its spec hash, its spec, its hypothesis when equal, and its model,
// features, parameters and seed, which must be what the spec says
// (specFields); a proposal its spec hash, its spec and its hypothesis when
// equal.

const specEntryVersion = 1

// specEntry is one spec in the store.
type specEntry struct {
	hash       string
	spec       []byte // valid for the transaction only
	hypothesis string
}

func (e specEntry) encode() []byte {
	out := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(e.hash)+len(e.spec)+len(e.hypothesis))
	out = append(out, specEntryVersion)
	out = binary.AppendUvarint(out, uint64(len(e.hash)))
	out = append(out, e.hash...)
	out = binary.AppendUvarint(out, uint64(len(e.spec)))
	out = append(out, e.spec...)
	return append(out, e.hypothesis...)
}

func decodeSpecEntry(v []byte, study string, id uint64) (specEntry, error) {
	bad := func() (specEntry, error) {
		return specEntry{}, fmt.Errorf("study %q: spec %d: entry cut short: %w", study, id, ErrInvalidRecord)
	}
	if len(v) == 0 {
		return bad()
	}
	if v[0] > specEntryVersion {
		return specEntry{}, fmt.Errorf("study %q: spec %d: entry version %d, this nightshift reads up to %d; upgrade nightshift: %w", study, id, v[0], specEntryVersion, ErrNewerSchema)
	}
	rest := v[1:]
	part := func() ([]byte, bool) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return nil, false
		}
		p := rest[k : k+int(n)]
		rest = rest[k+int(n):]
		return p, true
	}
	hash, ok := part()
	if !ok {
		return bad()
	}
	spec, ok := part()
	if !ok {
		return bad()
	}
	return specEntry{hash: string(hash), spec: spec, hypothesis: string(rest)}, nil
}

// specIndex is one decoded value of spec_hashes.
type specIndex struct {
	owner  uint64 // the trial that ran the spec, 0 if none yet
	specID uint64 // 0: the store does not hold the spec
}

func decodeSpecIndex(v []byte, study, specHash string) (specIndex, error) {
	if len(v) != 8 && len(v) != 16 {
		return specIndex{}, fmt.Errorf("study %q: spec hash %q: index value has %d bytes, want 8 or 16: %w", study, specHash, len(v), ErrInvalidRecord)
	}
	x := specIndex{owner: binary.BigEndian.Uint64(v)}
	if len(v) == 16 {
		x.specID = binary.BigEndian.Uint64(v[8:])
	}
	return x, nil
}

func (x specIndex) encode() []byte {
	out := binary.BigEndian.AppendUint64(make([]byte, 0, 16), x.owner)
	if x.specID == 0 {
		return out
	}
	return binary.BigEndian.AppendUint64(out, x.specID)
}

// specStore is a study's spec store inside one transaction.
type specStore struct {
	index *bolt.Bucket // spec_hashes
	specs *bolt.Bucket // specs; nil before migration 2→3 created it
	study string
}

// lookup returns the index entry of specHash; ok is false when there is
// none.
func (s specStore) lookup(specHash string) (x specIndex, ok bool, err error) {
	v := s.index.Get([]byte(specHash))
	if v == nil {
		return specIndex{}, false, nil
	}
	x, err = decodeSpecIndex(v, s.study, specHash)
	return x, err == nil, err
}

// entry returns spec id.
func (s specStore) entry(id uint64) (specEntry, error) {
	var v []byte
	if s.specs != nil {
		v = s.specs.Get(seqKey(id))
	}
	if v == nil {
		return specEntry{}, fmt.Errorf("study %q: spec %d is not in the spec store: %w", s.study, id, ErrInvalidRecord)
	}
	return decodeSpecEntry(v, s.study, id)
}

// remember stores spec under specHash when the store does not hold it yet
// (with the first proposer's hypothesis) and returns its entry and ID;
// id is 0 — do not refer — when the store holds another spec under that
// hash or spec is empty.
func (s specStore) remember(specHash string, spec json.RawMessage, hypothesis string) (specEntry, uint64, error) {
	if specHash == "" || len(spec) == 0 || s.specs == nil {
		return specEntry{}, 0, nil
	}
	x, _, err := s.lookup(specHash)
	if err != nil {
		return specEntry{}, 0, err
	}
	if x.specID != 0 {
		e, err := s.entry(x.specID)
		if err != nil || !bytes.Equal(e.spec, spec) {
			return specEntry{}, 0, err
		}
		return e, x.specID, nil
	}
	id, err := s.specs.NextSequence()
	if err != nil {
		return specEntry{}, 0, err
	}
	e := specEntry{hash: specHash, spec: spec, hypothesis: hypothesis}
	if err := s.specs.Put(seqKey(id), e.encode()); err != nil {
		return specEntry{}, 0, err
	}
	x.specID = id
	return e, id, s.index.Put([]byte(specHash), x.encode())
}

// setOwner records that trial id runs the spec, keeping its spec ID.
func (s specStore) setOwner(specHash string, id uint64) error {
	x, _, err := s.lookup(specHash)
	if err != nil {
		return err
	}
	x.owner = id
	return s.index.Put([]byte(specHash), x.encode())
}

// specFields are the parts of a spec a trial record repeats for display.
// The experiment package's spec JSON has these keys; a trial whose fields
// equal them leaves them out and reads them back from its spec.
type specFields struct {
	Features string            `json:"features"`
	Model    string            `json:"model"`
	Params   map[string]string `json:"params"`
	Seed     int64             `json:"seed"`
}

// fieldsOf decodes the display fields from a spec; ok is false when the
// spec does not have their shape.
func fieldsOf(spec []byte) (specFields, bool) {
	var f specFields
	if err := json.Unmarshal(spec, &f); err != nil {
		return specFields{}, false
	}
	return f, true
}

// sameFields reports whether t's display fields are exactly what its spec
// gives back, nil-ness of Params included.
func sameFields(t Trial, f specFields) bool {
	if t.Model != f.Model || t.Features != f.Features || t.Seed != f.Seed || (t.Params == nil) != (f.Params == nil) || len(t.Params) != len(f.Params) {
		return false
	}
	for k, v := range t.Params {
		if w, ok := f.Params[k]; !ok || w != v {
			return false
		}
	}
	return true
}
