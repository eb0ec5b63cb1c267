package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/nightshift-ml/nightshift/journal"
)

// mustExistJournal refuses a journal path that names no file, for the
// commands that work on an existing study but open the journal read-write
// (holdout, promote, resume, compact, report --holdout): a read-write open
// creates the file, so a mistyped --db left an empty journal and its lock
// behind and said the study was unknown. The error is the one the
// read-only commands give.
func mustExistJournal(db string) error {
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("journal %s does not exist (a study is created by `nightshift run`): %w", db, journal.ErrNoJournal)
	}
	return nil
}
