//go:build pprof

package main

// A build for profiling only (go build -tags pprof; experiment/bench/flatrate.sh
// uses it): with NIGHTSHIFT_PPROF=127.0.0.1:PORT the process serves
// net/http/pprof there, so a long study can be profiled in windows (its
// first minutes against its last) without stopping it. The default build
// has none of this.

import (
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("NIGHTSHIFT_PPROF")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			fmt.Fprintf(os.Stderr, "pprof on %s: %v\n", addr, err)
		}
	}()
}
