package registry

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// payload writes a version's content: n files of known bytes.
func payload(n int) func(dir string, k int) error {
	return func(dir string, k int) error {
		for i := range n {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part%d", i)), []byte(strings.Repeat("x", 1000*(i+1))), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

// complete checks that a listed version holds all of its payload.
func complete(t *testing.T, v Version, n int) {
	t.Helper()
	for i := range n {
		b, err := os.ReadFile(filepath.Join(v.Dir, fmt.Sprintf("part%d", i)))
		if err != nil || len(b) != 1000*(i+1) {
			t.Errorf("%s: part%d has %d bytes (%v): a partial version is visible", v.Dir, i, len(b), err)
		}
	}
}

func TestPublishAliasesAndRollbackKeepTheHistory(t *testing.T) {
	ctx := context.Background()
	r := Open(t.TempDir())
	for i := 1; i <= 3; i++ {
		k, err := r.Publish(ctx, "fraud", Meta{Study: "s"}, payload(2), &AliasMove{Alias: Champion, Reason: fmt.Sprintf("gate passed %d", i), Command: "nightshift promote --study s"})
		if err != nil || k != i {
			t.Fatalf("publish %d: version %d, %v", i, k, err)
		}
	}
	if k, err := r.Publish(ctx, "fraud", Meta{}, payload(2), nil); err != nil || k != 4 {
		t.Fatalf("unaliased publish: %d %v", k, err)
	}
	if err := r.MoveAlias(ctx, "fraud", "v2", AliasMove{Alias: Champion, Reason: "v3 mis-scores new merchants", Command: "nightshift alias fraud@champion v2"}); err != nil {
		t.Fatal(err)
	}
	a, err := r.Aliases("fraud")
	if err != nil {
		t.Fatal(err)
	}
	if a.Aliases[Champion] != "v2" || len(a.History) != 4 {
		t.Fatalf("aliases %+v", a)
	}
	want := []struct{ from, to string }{{"", "v1"}, {"v1", "v2"}, {"v2", "v3"}, {"v3", "v2"}}
	for i, w := range want {
		if h := a.History[i]; h.From != w.from || h.To != w.to || h.Alias != Champion || h.Time.IsZero() {
			t.Errorf("history %d: %+v, want %s → %s", i, h, w.from, w.to)
		}
	}
	if a.History[3].Reason != "v3 mis-scores new merchants" || !strings.Contains(a.History[3].Command, "alias") {
		t.Errorf("rollback entry %+v", a.History[3])
	}
	vs, err := r.Versions("fraud")
	if err != nil || len(vs) != 4 {
		t.Fatalf("versions %v %v", vs, err)
	}
	if len(vs[1].Aliases) != 1 || len(vs[3].Aliases) != 0 || vs[2].Meta.Version != 3 || vs[2].Meta.Name != "fraud" {
		t.Errorf("versions: %+v", vs)
	}
	cases := []struct{ ref, want string }{
		{"fraud", "fraud/v2"}, {"fraud@champion", "fraud/v2"}, {"fraud/v4", "fraud/v4"},
		{filepath.Join(r.Dir, "fraud"), "fraud/v2"}, {filepath.Join(r.Dir, "fraud", "v3"), "fraud/v3"},
	}
	for _, c := range cases {
		got, err := r.Resolve(c.ref)
		if err != nil || got != filepath.Join(r.Dir, filepath.FromSlash(c.want)) {
			t.Errorf("Resolve(%s) = %s, %v; want %s", c.ref, got, err, c.want)
		}
	}
	bad := []struct{ ref, want string }{
		{"fraud@staging", `no alias "staging" (aliases: champion → v2) (versions: v1, v2, v3, v4)`},
		{"fraud/v9", "fraud/v9: not in the registry (versions: v1, v2, v3, v4)"},
		{"spam", "names: fraud"},
	}
	for _, c := range bad {
		if _, err := r.Resolve(c.ref); err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%s): %v, want %q", c.ref, err, c.want)
		}
	}
	if err := r.MoveAlias(ctx, "fraud", "v7", AliasMove{Alias: Champion}); err == nil || !strings.Contains(err.Error(), "fraud/v7: not in the registry") {
		t.Errorf("alias to a missing version: %v", err)
	}
}

func TestConcurrentPublishesGetDistinctVersions(t *testing.T) {
	r := Open(t.TempDir())
	var wg sync.WaitGroup
	got := make([]int, 6)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := r.Publish(context.Background(), "m", Meta{}, payload(1), &AliasMove{Alias: Champion})
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, k := range got {
		seen[k] = true
	}
	a, _ := r.Aliases("m")
	if len(seen) != 6 || len(a.History) != 6 {
		t.Errorf("versions %v, %d history entries; want 6 distinct and 6", got, len(a.History))
	}
}

func TestBadNamesAreRefused(t *testing.T) {
	r := Open(t.TempDir())
	for _, n := range []string{"", "../x", ".hidden", "a/b", "a b"} {
		if _, err := r.Publish(context.Background(), n, Meta{}, payload(1), nil); !errors.Is(err, ErrBadName) {
			t.Errorf("name %q: %v", n, err)
		}
	}
}

// The crash test's child: publishes v2 of "m" and stops at the step named
// by NIGHTSHIFT_REGISTRY_KILL_AT (announcing it on stdout) until killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("NIGHTSHIFT_REGISTRY_CHILD"); dir != "" {
		at := os.Getenv("NIGHTSHIFT_REGISTRY_KILL_AT")
		r := Open(dir)
		stop := func(step string) {
			if step == at {
				fmt.Println("at " + step)
				time.Sleep(time.Minute)
			}
		}
		r.Step = stop
		fill := func(d string, k int) error {
			if err := payload(2)(d, k); err != nil {
				return err
			}
			stop("fill") // half the payload written
			return payload(4)(d, k)
		}
		_, err := r.Publish(context.Background(), "m", Meta{}, fill, &AliasMove{Alias: Champion, Reason: "child"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("at done")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSIGKILLDuringPublishLeavesAliasesAndNoPartialVersion kills a
// publishing process at each step: before the commit the champion stays
// v1 with one history entry and any v2 that is visible is complete
// (unaliased); after it v2 is the champion. The next publish works and
// removes the dead writer's temporary directory.
func TestSIGKILLDuringPublishLeavesAliasesAndNoPartialVersion(t *testing.T) {
	for _, at := range []string{"fill", "filled", "renamed", "committed"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			r := Open(dir)
			if _, err := r.Publish(context.Background(), "m", Meta{}, payload(4), &AliasMove{Alias: Champion}); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "NIGHTSHIFT_REGISTRY_CHILD="+dir, "NIGHTSHIFT_REGISTRY_KILL_AT="+at)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "at "+at {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q (%v)", line, err)
			}
			cmd.Process.Kill() // SIGKILL
			cmd.Wait()

			a, err := r.Aliases("m")
			if err != nil {
				t.Fatal(err)
			}
			committed := at == "committed"
			if want := map[bool]string{false: "v1", true: "v2"}[committed]; a.Aliases[Champion] != want {
				t.Errorf("champion %s after a kill at %s, want %s", a.Aliases[Champion], at, want)
			}
			if want := map[bool]int{false: 1, true: 2}[committed]; len(a.History) != want {
				t.Errorf("%d history entries, want %d", len(a.History), want)
			}
			vs, err := r.Versions("m")
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				complete(t, v, 4)
			}
			if wantVisible := at == "renamed" || committed; (len(vs) == 2) != wantVisible {
				t.Errorf("%d versions visible after a kill at %s", len(vs), at)
			}
			k, err := r.Publish(context.Background(), "m", Meta{}, payload(4), &AliasMove{Alias: Champion})
			if err != nil {
				t.Fatal(err)
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, "m")); len(entries) != k+1 { // v1..vK and aliases.json
				t.Errorf("after the next publish (v%d) the name holds %d entries: a temporary directory survived", k, len(entries))
			}
		})
	}
}
