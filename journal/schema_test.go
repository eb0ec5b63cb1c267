package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func boltFile(t *testing.T, fn func(tx *bolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "j.db")
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func schemaOf(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.View(func(tx *bolt.Tx) error { v, err = schemaVersion(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSchemaVersionMatchesMigrationTable(t *testing.T) {
	if len(migrations) != SchemaVersion {
		t.Fatalf("%d migrations, SchemaVersion %d: add the migration with the version bump", len(migrations), SchemaVersion)
	}
}

func TestOpenMigratesVersionZeroFile(t *testing.T) {
	// Version 0: a bbolt file with no buckets at all.
	path := boltFile(t, func(*bolt.Tx) error { return nil })
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	newStudy(t, j, "s")
	j.Close()
	if v := schemaOf(t, path); v != SchemaVersion {
		t.Fatalf("schema after Open = %d, want %d", v, SchemaVersion)
	}
}

func TestMigrateRunsForwardInOrderAndAtomically(t *testing.T) {
	// A fake history: the real migrations, then one more (n → n+1) that
	// adds a "profiles" bucket.
	n := SchemaVersion
	var order []int
	table := append(append([]migration(nil), migrations...),
		migration{from: n, desc: "fake: profiles bucket", up: func(tx *bolt.Tx) error {
			order = append(order, n)
			_, err := tx.CreateBucket([]byte("profiles"))
			return err
		}})
	path := filepath.Join(t.TempDir(), "j.db")
	j, _ := Open(path, Options{})
	newStudy(t, j, "s")
	j.Close()

	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A failing migration leaves the version and layout untouched.
	bad := append(append([]migration(nil), table...), migration{from: n + 1, desc: "fails", up: func(tx *bolt.Tx) error {
		return errors.New("boom")
	}})
	err = db.Update(func(tx *bolt.Tx) error { return migrate(tx, bad) })
	if want := fmt.Sprintf("migration %d→%d (fails): boom", n+1, n+2); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("failing migration err = %v, want %q", err, want)
	}
	db.View(func(tx *bolt.Tx) error {
		if v, _ := schemaVersion(tx); v != n || tx.Bucket([]byte("profiles")) != nil {
			t.Errorf("after failed migration: version %d, profiles bucket %v", v, tx.Bucket([]byte("profiles")) != nil)
		}
		return nil
	})
	order = nil
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, table) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if v := schemaOf(t, path); v != n+1 || len(order) != 1 {
		t.Fatalf("after fake migration: version %d, ran %v", v, order)
	}
	// This nightshift now refuses the file it cannot read.
	for _, ro := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: ro})
		if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", n+1)) || !strings.Contains(err.Error(), path) {
			t.Fatalf("Open(ReadOnly=%v) of a v%d journal: %v", ro, n+1, err)
		}
	}
	if v := schemaOf(t, path); v != n+1 {
		t.Fatalf("refusing Open changed the version to %d", v)
	}
}

func TestOpenRefusesForeignAndDamagedFiles(t *testing.T) {
	foreign := boltFile(t, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("widgets"))
		return err
	})
	if _, err := Open(foreign, Options{}); !errors.Is(err, ErrNotJournal) {
		t.Fatalf("foreign bbolt file: %v", err)
	}
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 2000)), 0o644)
	for _, ro := range []bool{false, true} {
		if _, err := Open(text, Options{ReadOnly: ro}); !errors.Is(err, ErrNotJournal) || !strings.Contains(err.Error(), text) {
			t.Fatalf("text file (ReadOnly=%v): %v", ro, err)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.db"), Options{ReadOnly: true}); !errors.Is(err, ErrNoJournal) {
		t.Fatalf("missing file read-only: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(empty, nil, 0o644)
	if _, err := Open(empty, Options{ReadOnly: true}); !errors.Is(err, ErrNoJournal) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty file read-only: %v", err)
	}
	j, err := Open(empty, Options{})
	if err != nil {
		t.Fatalf("empty file read-write: %v", err)
	}
	j.Close()
}

func TestNewerRecordIsRefusedNotGuessed(t *testing.T) {
	j, path := openTemp(t)
	newStudy(t, j, "s")
	j.PutTrial("s", Trial{State: TrialDone})
	j.Close()
	db, _ := bolt.Open(path, 0o644, nil)
	db.Update(func(tx *bolt.Tx) error {
		tb := tx.Bucket(bucketStudies).Bucket([]byte("s")).Bucket(bucketTrials)
		return tb.Put(seqKey(2), []byte(`{"v":2,"id":2,"state":"done","new_field":1}`))
	})
	db.Close()
	j, _ = Open(path, Options{ReadOnly: true})
	defer j.Close()
	if _, err := j.ListTrials("s"); !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "record version 2") {
		t.Fatalf("ListTrials over a v2 record: %v", err)
	}
}

func TestDamagedLayoutIsAnErrorNotAPanic(t *testing.T) {
	// Schema 1 in meta, but the studies bucket is gone and a spec index
	// value is cut short.
	j, path := openTemp(t)
	newStudy(t, j, "s")
	j.PutTrial("s", Trial{State: TrialDone, SpecHash: "h"})
	j.Close()
	db, _ := bolt.Open(path, 0o644, nil)
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStudies).Bucket([]byte("s")).Bucket(bucketSpecs).Put([]byte("h"), []byte{1})
	})
	db.Close()
	j, _ = Open(path, Options{})
	if _, err := j.TrialBySpecHash("s", "h"); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "1 bytes, want 8") {
		t.Fatalf("short index value: %v", err)
	}
	if _, err := j.PutTrial("s", Trial{State: TrialRunning, SpecHash: "h"}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("PutTrial over a short index value: %v", err)
	}
	j.Close()
	db, _ = bolt.Open(path, 0o644, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketStudies) })
	db.Close()
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.ListStudies(); !errors.Is(err, ErrNotJournal) {
		t.Fatalf("ListStudies without the studies bucket: %v", err)
	}
	if _, err := r.GetStudy("s"); !errors.Is(err, ErrNotJournal) {
		t.Fatalf("GetStudy without the studies bucket: %v", err)
	}
}
