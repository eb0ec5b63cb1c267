package journal

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// The spec store: each spec is stored once, in the study's specs bucket
// under a number of its own (the bucket's sequence), and trials and planner
// proposals refer to it by that number, "spec_id" (schema 3; before it the
// spec was copied into the trial record with its model, features,
// parameters and seed spelled out again, and into its round's proposal,
// with its 64-character hash beside each copy).
//
//	specs/        big-endian spec ID → entry version, then (version 1) uvarint
//	              len(hash), hash, uvarint len(spec), spec JSON, hypothesis of its
//	              first proposal; or (version 2, written now) the same bytes after
//	              the version compressed with DEFLATE (RFC 1951) primed with
//	              specDictionary
//	spec_hashes/  hash → 8-byte big-endian ID of the trial that ran (or runs) the
//	              spec, 0 while it has only been proposed, then the 8-byte spec ID
//	              (absent: a trial written without a spec, or a schema-2 value)
//
// The layout is binary rather than JSON because status reads one entry per
// trial and decoding JSON is most of what that costs. Specs repeat the same
// keys and the same few values trial after trial; a preset dictionary
// (RFC 1951 §3.2.5 distances into text seen "before" the data) turns a
// 200–400-byte spec, its hash and hypothesis into 60–120 bytes, about 2.5 µs
// to inflate (measured on the BenchmarkJournal10k night).
//
// A record refers to the store only when the store's spec is byte for byte
// its own; otherwise it keeps its spec inline, as before schema 3. A
// referring record leaves out every field it shares with the entry: a
// trial its spec hash, its spec, its hypothesis when equal, and its model,
// features, parameters and seed, which must be what the spec says
// (specFields); a proposal its spec hash, its spec and its hypothesis when
// equal.

// Entry versions: 1 plain, 2 deflated with specDictionary. A new
// dictionary needs a new version; old entries keep theirs.
const (
	specEntryPlain    = 1
	specEntryDeflated = 2
	specEntryVersion  = specEntryDeflated
)

// specDictionary primes the deflate window of version-2 entries: the spec
// JSON of both model kinds with the builtin planner's parameter names and
// common values, and its hypotheses' wording. The most frequent strings
// come last (the shortest distances). Never edit it: entries written with
// it must inflate with it; add a version instead.
const specDictionary = `learning rate num_leaves helps the trees; adding to the incumbent # changes auc (fold-paired test): ` +
	`baseline: L2 logistic regression on the base columns; regularised trees (lr 0.05, 15 leaves, L2 1) do not overfit where the defaults do` +
	`random gbdt parameters (TPE starts after 8 gbdt trials)random logreg parameters (TPE starts after 8 logreg trials)` +
	`{"features":"","model":"logreg","params":{"C":"1","class_weight":"balanced","l1_ratio":"0.5","max_iter":"100","penalty":"l1","tol":"1e-6"},"seed":42}` +
	`{"features":"","model":"gbdt","params":{"bagging_fraction":"1","bagging_freq":"1","cat_smooth":"10","early_stopping_round":"30","feature_fraction":"1","lambda_l2":"0","learning_rate":"0.1","min_data_in_leaf":"20","min_sum_hessian_in_leaf":"0.001","num_iterations":"1000","num_leaves":"31"},"seed":42}` +
	`TPE over gbdt parameters (earlier gbdt trials) on the incumbent's features` +
	`{"features":"","model":"logreg","params":{"C":"0.5","l1_ratio":"0.5","max_iter":"100","penalty":"elasticnet","tol":"1e-6"},"seed":42}` +
	`TPE over logreg parameters (earlier logreg trials) on the incumbent's features`

// specEntry is one spec in the store.
type specEntry struct {
	hash       string
	spec       []byte // valid for the transaction only
	hypothesis string
}

// encode is the entry's stored form (version 2).
func (e specEntry) encode() ([]byte, error) {
	plain := make([]byte, 0, 2*binary.MaxVarintLen64+len(e.hash)+len(e.spec)+len(e.hypothesis))
	plain = binary.AppendUvarint(plain, uint64(len(e.hash)))
	plain = append(plain, e.hash...)
	plain = binary.AppendUvarint(plain, uint64(len(e.spec)))
	plain = append(plain, e.spec...)
	plain = append(plain, e.hypothesis...)
	var out bytes.Buffer
	out.WriteByte(specEntryDeflated)
	w, err := flate.NewWriterDict(&out, flate.BestCompression, []byte(specDictionary))
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// inflater inflates version-2 entries, reusing one decompressor and one
// buffer across the entries of a transaction.
type inflater struct {
	r   io.ReadCloser
	src bytes.Reader
	buf bytes.Buffer
}

func (f *inflater) inflate(v []byte) ([]byte, error) {
	f.src.Reset(v)
	if f.r == nil {
		f.r = flate.NewReaderDict(&f.src, []byte(specDictionary))
	} else if err := f.r.(flate.Resetter).Reset(&f.src, []byte(specDictionary)); err != nil {
		return nil, err
	}
	f.buf.Reset()
	if _, err := f.buf.ReadFrom(f.r); err != nil {
		return nil, err
	}
	return f.buf.Bytes(), nil
}

// decodeSpecEntry decodes a stored entry; f inflates version 2 (the
// returned entry's spec then lives in f's buffer until its next use).
func decodeSpecEntry(v []byte, f *inflater, study string, id uint64) (specEntry, error) {
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
	if v[0] == specEntryDeflated {
		var err error
		if rest, err = f.inflate(rest); err != nil {
			return specEntry{}, fmt.Errorf("study %q: spec %d: %v: %w", study, id, err, ErrInvalidRecord)
		}
	}
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
	f     *inflater
	// noSpecs: leave referring records unresolved (SnapshotOptions.NoSpecs).
	noSpecs bool
	// seen caches decoded entries within a read that meets each spec
	// twice (its trial and its proposal); nil when not caching.
	seen map[uint64]specEntry
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
	if e, ok := s.seen[id]; ok {
		return e, nil
	}
	e, err := decodeSpecEntry(v, s.f, s.study, id)
	if err == nil && s.seen != nil {
		e.spec = bytes.Clone(e.spec)
		s.seen[id] = e
	}
	return e, err
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
	v, err := e.encode()
	if err != nil {
		return specEntry{}, 0, err
	}
	if err := s.specs.Put(seqKey(id), v); err != nil {
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

// splitKey is the spec_hashes key that records which trial ran a spec on
// fold split k ≥ 1 (a re-evaluation): the hash, "@", k. Its value is the
// owner alone (8 bytes); the spec itself stays under the bare hash, which
// also records the split-0 owner.
func splitKey(specHash string, k int) string { return fmt.Sprintf("%s@%d", specHash, k) }

// ownerOn returns the trial that ran (or runs) the spec on split k, 0 if
// none.
func (s specStore) ownerOn(specHash string, k int) (uint64, error) {
	key := specHash
	if k > 0 {
		key = splitKey(specHash, k)
	}
	x, _, err := s.lookup(key)
	return x.owner, err
}

// setOwnerOn records that trial id runs the spec on split k.
func (s specStore) setOwnerOn(specHash string, k int, id uint64) error {
	if k == 0 {
		return s.setOwner(specHash, id)
	}
	return s.index.Put([]byte(splitKey(specHash, k)), specIndex{owner: id}.encode())
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
