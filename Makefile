# nightshift — build, test, demo, bench, lint. See README.md.
GO      ?= go
BIN     := bin/nightshift
SHARED  ?= ../shared
# Packages that run goroutines are tested under the race detector; the pure
# numeric ones run without it (the detector slows them ~10x and finds nothing).
RACE_PKGS  := ./journal/... ./experiment/... ./trainer/gbdt/... ./cmd/...
PLAIN_PKGS := $(shell $(GO) list ./... 2>/dev/null | grep -v -e /journal -e /experiment -e /trainer/gbdt -e /cmd/)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build test demo bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/nightshift

test:
	$(GO) vet ./...
	$(GO) test -count=1 $(PLAIN_PKGS)
	$(GO) test -count=1 -race $(RACE_PKGS)

demo: build
	$(BIN) profile --data testdata/data/sms_spam.csv --target is_spam
	$(BIN) fit --data testdata/data/criteo_200.csv --target label --model logreg --holdout 0.25

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./features/...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin
