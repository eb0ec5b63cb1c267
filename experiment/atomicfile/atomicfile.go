// Package atomicfile writes files that appear only complete: a temporary
// file in the same directory, written, synced, renamed into place, the
// directory synced. A crash leaves the old file or the new one, never a
// mix, and at worst a stray temporary file named .NAME.tmp-*.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write makes path appear only complete: write fills a temporary
// file in the same directory, which is synced, renamed over path, and the
// directory synced. On any error the temporary file is removed and path is
// left as it was. An error from write is returned as it is: it is about what
// was being written (predict's "hdr.csv: no data rows" read
// "scores.csv: hdr.csv: no data rows", blaming the output), and a failed
// write to the file names the temporary file itself.
func Write(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("%s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	SyncDir(dir)
	return nil
}

// SyncDir syncs a directory, so that entries created or renamed in it
// survive a crash. Errors are ignored: some file systems cannot sync a
// directory, and there is nothing better to do then.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
