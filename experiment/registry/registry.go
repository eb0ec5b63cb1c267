package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/atomicfile"
)

// File names in the registry.
const (
	AliasesFile = "aliases.json"
	MetaFile    = "version.json"
	lockFile    = ".lock"
	tmpPrefix   = ".tmp-"
)

// Champion is the alias a name's plain reference resolves to.
const Champion = "champion"

// Errors a caller may test with errors.Is.
var (
	ErrNotFound = errors.New("not in the registry")
	ErrBadName  = errors.New("not a valid name")
)

// Registry is a registry directory. Its zero value is not usable; Open.
type Registry struct {
	Dir string
	// Step, when set, is called with the name of each step Publish and
	// MoveAlias reach ("filled", "renamed", "committed"): crash tests kill
	// the process there.
	Step func(step string)
}

// Open returns the registry at dir (created on the first Publish).
func Open(dir string) *Registry { return &Registry{Dir: dir} }

func (r *Registry) step(s string) {
	if r.Step != nil {
		r.Step(s)
	}
}

// Meta describes a version: written as version.json inside it.
type Meta struct {
	Name    string    `json:"name"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Command string    `json:"command,omitempty"`
	// Study and what it was built from.
	Study  string   `json:"study,omitempty"`
	Final  string   `json:"final,omitempty"` // ensemble, bag or refit
	Trials []uint64 `json:"trials,omitempty"`
	Metric string   `json:"metric,omitempty"`
	// Data is the fingerprint of the study's data file ("size:sha256")
	// and HoldoutRows the rows of it the model never trained on.
	Data        string `json:"data,omitempty"`
	DataPath    string `json:"data_path,omitempty"`
	HoldoutRows []int  `json:"holdout_rows,omitempty"`
	// Metrics are the holdout figures by metric name, with standard errors.
	Metrics map[string]Figure `json:"metrics,omitempty"`
	// Forced and Reason: published without passing the gate.
	Forced bool   `json:"forced,omitempty"`
	Reason string `json:"reason,omitempty"`
	Gate   string `json:"gate,omitempty"` // the gate's verdict in words
}

// Figure is an estimate and its standard error.
type Figure struct {
	Value float64 `json:"value"`
	SE    float64 `json:"se"`
}

// Aliases is a name's aliases.json.
type Aliases struct {
	// Aliases maps an alias to its version ("v3").
	Aliases map[string]string `json:"aliases"`
	History []Move            `json:"history"`
}

// Move is one alias move: From is "" when the alias is new.
type Move struct {
	Alias   string    `json:"alias"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason,omitempty"`
	Command string    `json:"command,omitempty"`
	Forced  bool      `json:"forced,omitempty"`
}

// AliasMove asks Publish or MoveAlias to point Alias at the version.
type AliasMove struct {
	Alias   string
	Reason  string
	Command string
	Forced  bool
}

// VersionName is "vK".
func VersionName(k int) string { return "v" + strconv.Itoa(k) }

// ParseVersion reads "vK" (K ≥ 1).
func ParseVersion(s string) (int, bool) {
	if len(s) < 2 || s[0] != 'v' {
		return 0, false
	}
	k, err := strconv.Atoi(s[1:])
	if err != nil || k < 1 || strconv.Itoa(k) != s[1:] {
		return 0, false
	}
	return k, true
}

// CheckName refuses names that are not one plain path element of letters,
// digits, '.', '-' and '_' (not starting with '.').
func CheckName(name string) error {
	ok := name != "" && name[0] != '.' && len(name) <= 200
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%q: %w (letters, digits, '.', '-', '_'; not starting with '.')", name, ErrBadName)
	}
	return nil
}

// Lock takes the registry lock, waiting for another writer until ctx ends.
// The returned function releases it.
func (r *Registry) Lock(ctx context.Context) (unlock func(), err error) {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(r.Dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing the file releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the registry lock %s (another promotion is running): %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Publish adds a version of name: fill writes its files into a fresh
// directory (syncing each file; version is the K it will be), meta is written beside them as
// version.json, and the directory is synced and renamed into place as the
// next vK. Then, when move is not nil, the alias is pointed at it in
// aliases.json (the commit point). It returns K. The caller must not hold
// the lock (Publish takes it).
func (r *Registry) Publish(ctx context.Context, name string, meta Meta, fill func(dir string, version int) error, move *AliasMove) (int, error) {
	if err := CheckName(name); err != nil {
		return 0, err
	}
	unlock, err := r.Lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	nameDir := filepath.Join(r.Dir, name)
	if err := os.MkdirAll(nameDir, 0o755); err != nil {
		return 0, err
	}
	r.removeAbandoned(nameDir)
	versions, err := r.versionNumbers(name)
	if err != nil {
		return 0, err
	}
	k := 1
	if len(versions) > 0 {
		k = versions[len(versions)-1] + 1
	}
	tmp, err := os.MkdirTemp(nameDir, tmpPrefix+VersionName(k)+"-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp) // gone after the rename; cleans up a failure
	if err := fill(tmp, k); err != nil {
		return 0, err
	}
	meta.Name, meta.Version = name, k
	if meta.Created.IsZero() {
		meta.Created = time.Now().UTC()
	}
	if err := writeJSONSynced(filepath.Join(tmp, MetaFile), meta); err != nil {
		return 0, err
	}
	if err := syncTree(tmp); err != nil {
		return 0, err
	}
	r.step("filled")
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	final := filepath.Join(nameDir, VersionName(k))
	if err := os.Rename(tmp, final); err != nil {
		return 0, err
	}
	atomicfile.SyncDir(nameDir)
	r.step("renamed")
	if move != nil {
		if err := r.moveLocked(name, VersionName(k), *move); err != nil {
			return k, fmt.Errorf("version %s of %s is published but unaliased: %w", VersionName(k), name, err)
		}
	}
	return k, nil
}

// MoveAlias points name's alias at version (a rollback, or promoting an
// unaliased version), recording the move in the history.
func (r *Registry) MoveAlias(ctx context.Context, name, version string, move AliasMove) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if _, ok := ParseVersion(version); !ok {
		return fmt.Errorf("version %q: want vK, e.g. v2", version)
	}
	unlock, err := r.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(r.Dir, name, version, MetaFile)); err != nil {
		return fmt.Errorf("%s/%s: %w%s", name, version, ErrNotFound, r.have(name))
	}
	return r.moveLocked(name, version, move)
}

// moveLocked rewrites aliases.json with the move; the caller holds the lock.
func (r *Registry) moveLocked(name, version string, move AliasMove) error {
	if move.Alias == "" || strings.ContainsAny(move.Alias, "@/ ") {
		return fmt.Errorf("alias %q: want a word such as champion", move.Alias)
	}
	a, err := r.Aliases(name)
	if err != nil {
		return err
	}
	from := a.Aliases[move.Alias]
	a.Aliases[move.Alias] = version
	a.History = append(a.History, Move{Alias: move.Alias, From: from, To: version, Time: time.Now().UTC(),
		Reason: move.Reason, Command: move.Command, Forced: move.Forced})
	path := filepath.Join(r.Dir, name, AliasesFile)
	err = atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	})
	if err == nil {
		r.step("committed")
	}
	return err
}

// Aliases reads name's aliases.json (empty when there is none yet).
func (r *Registry) Aliases(name string) (*Aliases, error) {
	path := filepath.Join(r.Dir, name, AliasesFile)
	a := &Aliases{Aliases: map[string]string{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return a, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Aliases == nil {
		a.Aliases = map[string]string{}
	}
	return a, nil
}

// Names lists the registry's model names, sorted.
func (r *Registry) Names() ([]string, error) {
	entries, err := os.ReadDir(r.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && CheckName(e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// Version is one published version.
type Version struct {
	Dir     string   `json:"dir"`
	Meta    Meta     `json:"meta"`
	Aliases []string `json:"aliases"` // the aliases pointing at it, sorted
}

// Versions lists name's versions, oldest first, with their aliases.
func (r *Registry) Versions(name string) ([]Version, error) {
	ks, err := r.versionNumbers(name)
	if err != nil {
		return nil, err
	}
	a, err := r.Aliases(name)
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, k := range ks {
		v := Version{Dir: filepath.Join(r.Dir, name, VersionName(k))}
		if err := readJSON(filepath.Join(v.Dir, MetaFile), &v.Meta); err != nil {
			return nil, err
		}
		for alias, to := range a.Aliases {
			if to == VersionName(k) {
				v.Aliases = append(v.Aliases, alias)
			}
		}
		slices.Sort(v.Aliases)
		out = append(out, v)
	}
	return out, nil
}

// versionNumbers lists the K of name's vK directories, ascending.
func (r *Registry) versionNumbers(name string) ([]int, error) {
	entries, err := os.ReadDir(filepath.Join(r.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ks []int
	for _, e := range entries {
		if k, ok := ParseVersion(e.Name()); ok && e.IsDir() {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks, nil
}

// ReadMeta reads a version directory's version.json.
func ReadMeta(versionDir string) (Meta, error) {
	var m Meta
	err := readJSON(filepath.Join(versionDir, MetaFile), &m)
	return m, err
}

// Resolve turns a model reference into a version directory. ref is, in
// this order: the path of a version directory (it holds version.json) or
// of a name's directory (its champion); NAME@ALIAS; NAME/vK; NAME (its
// champion).
func (r *Registry) Resolve(ref string) (string, error) {
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		if exists(filepath.Join(ref, MetaFile)) {
			return ref, nil
		}
		if exists(filepath.Join(ref, AliasesFile)) {
			return aliasDir(filepath.Dir(filepath.Clean(ref)), filepath.Base(filepath.Clean(ref)), Champion)
		}
		return "", fmt.Errorf("model %s: the directory holds neither %s (a version) nor %s (a model name)", ref, MetaFile, AliasesFile)
	}
	if name, alias, ok := strings.Cut(ref, "@"); ok {
		if CheckName(name) != nil || alias == "" {
			return "", fmt.Errorf("model %q: want NAME@ALIAS, e.g. fraud@champion", ref)
		}
		return aliasDir(r.Dir, name, alias)
	}
	if name, v, ok := strings.Cut(ref, "/"); ok {
		if _, isV := ParseVersion(v); isV && CheckName(name) == nil {
			dir := filepath.Join(r.Dir, name, v)
			if !exists(filepath.Join(dir, MetaFile)) {
				return "", fmt.Errorf("model %s: %w%s", ref, ErrNotFound, r.have(name))
			}
			return dir, nil
		}
	}
	if CheckName(ref) != nil || !exists(filepath.Join(r.Dir, ref)) {
		names, _ := r.Names()
		return "", fmt.Errorf("model %s: not a directory or a model name in registry %s (names: %s): %w", ref, r.Dir, orNone(names), ErrNotFound)
	}
	return aliasDir(r.Dir, ref, Champion)
}

// aliasDir is the version directory name's alias points to.
func aliasDir(dir, name, alias string) (string, error) {
	r := Open(dir)
	a, err := r.Aliases(name)
	if err != nil {
		return "", err
	}
	v, ok := a.Aliases[alias]
	if !ok {
		var have []string
		for al, to := range a.Aliases {
			have = append(have, al+" → "+to)
		}
		slices.Sort(have)
		return "", fmt.Errorf("model %s has no alias %q (aliases: %s)%s: %w", name, alias, orNone(have), r.have(name), ErrNotFound)
	}
	return filepath.Join(dir, name, v), nil
}

// have is " (versions: v1, v2)" for name, or "".
func (r *Registry) have(name string) string {
	ks, _ := r.versionNumbers(name)
	if len(ks) == 0 {
		return ""
	}
	vs := make([]string, len(ks))
	for i, k := range ks {
		vs[i] = VersionName(k)
	}
	return " (versions: " + strings.Join(vs, ", ") + ")"
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// removeAbandoned deletes temporary version directories of dead writers;
// the caller holds the lock.
func (r *Registry) removeAbandoned(nameDir string) {
	entries, _ := os.ReadDir(nameDir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), tmpPrefix) {
			os.RemoveAll(filepath.Join(nameDir, e.Name()))
		}
	}
}

// syncTree syncs every directory under root (files are synced by whoever
// wrote them), deepest first, root last.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		atomicfile.SyncDir(dirs[i])
	}
	return nil
}

func writeJSONSynced(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err = f.Write(append(b, '\n')); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
