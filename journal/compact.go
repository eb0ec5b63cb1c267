package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// CompactResult says what a compaction did.
type CompactResult struct {
	Before, After int64 // file size in bytes
	// Kept: the compacted file was not smaller (a small journal written
	// in smaller pages than compaction's), so the journal was left as it
	// was and After is Before.
	Kept bool
}

// compactSuffix names the new file while it is being written, beside the
// journal. A compaction killed before its rename leaves it behind; the
// next compaction overwrites it, nothing else reads it.
const compactSuffix = ".compact"

// Compact rewrites the journal into a new file holding the same buckets,
// keys, values and sequences in as few pages as bbolt can (bbolt's
// Compact, every page filled), cut to its last used page, and swaps it in
// with a rename, so that the file at the journal's path is at every moment
// either the old journal or the new one, both complete: the new file is
// written and fsync'd under another name, renamed over the old one, and
// the directory fsync'd. bbolt never returns freed pages to the file
// system; this is how a journal gets smaller.
//
// It needs a read-write journal (the run lock: nobody else writes
// meanwhile). Readers are not blocked: one that opened the old file reads
// it to the end of its transaction, the next opens the new one.
func (j *Journal) Compact() (CompactResult, error) {
	if j.opts.ReadOnly {
		return CompactResult{}, fmt.Errorf("journal %s: compact: %w", j.path, ErrReadOnly)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return CompactResult{}, fmt.Errorf("journal %s: %w", j.path, ErrClosed)
	}
	var res CompactResult
	fi, err := os.Stat(j.path)
	if err != nil {
		return res, fmt.Errorf("journal %s: compact: %w", j.path, err)
	}
	res.Before = fi.Size()
	tmp := j.path + compactSuffix
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("journal %s: compact: remove leftover %s: %w", j.path, tmp, err)
	}
	src, err := j.openBolt(true)
	if err != nil {
		return res, err
	}
	size, err := copyCompact(src, tmp)
	if cerr := src.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		if isDiskFull(err) {
			return res, fmt.Errorf("journal %s: compact: the disk is full (%v); the journal is unchanged: %w", j.path, err, ErrDiskFull)
		}
		return res, fmt.Errorf("journal %s: compact into %s: %w; the journal is unchanged", j.path, tmp, err)
	}
	if size >= res.Before {
		// Compaction is for giving pages back; a new file that is not
		// smaller would only grow the journal.
		if err := os.Remove(tmp); err != nil {
			return res, fmt.Errorf("journal %s: compact: remove %s: %w; the journal is unchanged", j.path, tmp, err)
		}
		res.After, res.Kept = res.Before, true
		return res, nil
	}
	if err := os.Rename(tmp, j.path); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("journal %s: compact: rename %s over it: %w; the journal is unchanged", j.path, tmp, err)
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		return res, fmt.Errorf("journal %s: compact: sync directory: %w", j.path, err)
	}
	res.After = size
	return res, nil
}

// copyCompact writes src's content into a new bbolt file at dst, fsync'd
// and cut to its high-water mark, and returns its size.
func copyCompact(src *bolt.DB, dst string) (int64, error) {
	// NoSync: one fsync at the end instead of one per intermediate commit;
	// the file has no name anyone reads until it is complete.
	out, err := bolt.Open(dst, 0o644, &bolt.Options{NoSync: true, PageSize: 16 << 10})
	if err != nil {
		return 0, err
	}
	var size int64
	err = bolt.Compact(out, src, 64<<20)
	if err == nil {
		err = out.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	// bbolt grows its file ahead of use (to the next power of two up to
	// 16 MiB, then in 16 MiB steps); every page past the high-water mark
	// (Tx.Size) is unused, and bbolt grows the file again when it needs to.
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return size, err
}
