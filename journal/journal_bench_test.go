package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// benchJournal returns a journal holding one study with n done trials
// (about 1 KB each), written in one transaction to keep setup fast.
func benchJournal(b *testing.B, n int) (*Journal, string) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "j.db")
	j, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	if _, err := j.CreateStudy(Study{Name: "s", ConfigVersion: 1, Config: []byte(`{}`)}); err != nil {
		b.Fatal(err)
	}
	err = j.update(func(tx *bolt.Tx) error {
		tb := tx.Bucket(bucketStudies).Bucket([]byte("s")).Bucket(bucketTrials)
		for i := 0; i < n; i++ {
			id, _ := tb.NextSequence()
			data, err := encodeRecord("bench", helperTrial(id, TrialDone, 600).record())
			if err != nil {
				return err
			}
			if err := tb.Put(seqKey(id), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return j, path
}

// BenchmarkPutTrial compares ways for the writer to commit one trial state
// (fsync'd) on a journal that already holds 2000 trials:
//
//	open-per-op: this package (open, flock, commit, close per state change)
//	held-open:   one bbolt handle for the whole run (readers would hang)
//	snapshot:    held-open plus publishing a copy after each commit
//	             (Tx.WriteTo a temp file, fsync, rename) for readers
func BenchmarkPutTrial(b *testing.B) {
	const preload = 2000
	b.Run("open-per-op", func(b *testing.B) {
		j, _ := benchJournal(b, preload)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := j.PutTrial("s", helperTrial(uint64(preload+1+i), TrialDone, 600)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, snapshot := range []bool{false, true} {
		name := "held-open"
		if snapshot {
			name = "snapshot"
		}
		b.Run(name, func(b *testing.B) {
			j, path := benchJournal(b, preload)
			j.Close()
			db, err := bolt.Open(path, 0o644, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			snap := path + ".snapshot"
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := uint64(preload + 1 + i)
				err := db.Update(func(tx *bolt.Tx) error {
					tb := tx.Bucket(bucketStudies).Bucket([]byte("s")).Bucket(bucketTrials)
					data, err := encodeRecord("bench", helperTrial(id, TrialDone, 600).record())
					if err != nil {
						return err
					}
					return tb.Put(seqKey(id), data)
				})
				if err != nil {
					b.Fatal(err)
				}
				if snapshot {
					if err := publishSnapshot(db, snap); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			if fi, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(fi.Size())/(1<<20), "MiB-journal")
			}
		})
	}
}

func publishSnapshot(db *bolt.DB, dst string) error {
	return db.View(func(tx *bolt.Tx) error {
		tmp := dst + ".tmp"
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		if _, err := tx.WriteTo(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		return os.Rename(tmp, dst)
	})
}

// BenchmarkListTrials is what status and the planner pay to read a study.
func BenchmarkListTrials(b *testing.B) {
	for _, n := range []int{100, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			j, _ := benchJournal(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				trials, err := j.ListTrials("s")
				if err != nil || len(trials) != n {
					b.Fatal(len(trials), err)
				}
			}
		})
	}
}

// BenchmarkOpenClose is the fixed cost this package adds per operation.
func BenchmarkOpenClose(b *testing.B) {
	j, _ := benchJournal(b, 2000)
	for _, ro := range []bool{false, true} {
		b.Run(fmt.Sprintf("readonly=%v", ro), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				db, err := j.openBolt(ro)
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
		})
	}
}
