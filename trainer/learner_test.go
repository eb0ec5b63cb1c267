package trainer

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestMemoBuildsEachKeyOnceUnderConcurrentUse(t *testing.T) {
	var m Memo
	var builds atomic.Int32
	var wg sync.WaitGroup
	got := make([]any, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := m.Get(i%2, func() (any, error) { builds.Add(1); return i % 2 * 10, nil })
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds for 2 keys", n)
	}
	for i, v := range got {
		if v != i%2*10 {
			t.Errorf("caller %d got %v, want %d", i, v, i%2*10)
		}
	}
	boom := errors.New("boom")
	for range 2 {
		if _, err := m.Get("bad", func() (any, error) { builds.Add(1); return nil, boom }); !errors.Is(err, boom) {
			t.Errorf("error %v, want the build's", err)
		}
	}
	if n := builds.Load(); n != 3 {
		t.Errorf("a failed build ran %d times, want once", n-2)
	}
}
