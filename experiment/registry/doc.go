// Package registry is the model registry on disk: published versions of
// named models, aliases that point at them, and the history of every alias
// move.
//
// Layout:
//
//	DIR/.lock                   the registry lock (flock): one writer at a time
//	DIR/NAME/vK/                version K of NAME, complete and never changed again
//	DIR/NAME/vK/version.json    what the version is (Meta: study, trials, metrics, data fingerprint, holdout rows, command)
//	DIR/NAME/aliases.json       {"aliases": {"champion": "vK", ...}, "history": [moves...]}
//	DIR/NAME/.tmp-*             a version being written (or abandoned by a crash): never listed
//
// What a version holds besides version.json is its writer's business
// (promotion writes the final model, contract.odcs.yaml and card.md).
//
// Invariants, relied on by Publish and MoveAlias:
//   - A version appears by one rename of a complete, synced temporary
//     directory into DIR/NAME/vK, then a sync of DIR/NAME. A reader sees
//     all of a version or none of it.
//   - aliases.json is replaced by one rename (atomicfile.Write); that
//     rename is the commit point of a promotion. A crash before it leaves
//     every alias where it was (the version, if it was renamed in, is
//     complete and listed as unaliased); a crash after it leaves the move
//     done and in the history.
//   - Writers hold the registry lock from choosing K to the alias commit,
//     so two promotions never pick the same K or lose a history entry.
//     Readers take no lock: every file they read is replaced whole.
//   - Temporary directories of dead writers are removed by the next writer
//     (it holds the lock, so no live writer owns them).
package registry
