# nightshift — build, test, demo, bench, lint. See README.md.
GO      ?= go
BIN     := bin/nightshift
SHARED  ?= ../shared
# Packages that run goroutines (the CSV loader's pipeline, journal, experiment's
# worker pool, gbdt's parallel histograms) are tested under the race detector; the others run
# without it. cmd/nightshift is plain: its only goroutine forwards signals, and
# its crash test re-executes the test binary 20 times, which -race would
# slow ~10x for nothing (the code it runs is raced in experiment's tests).
RACE_PKGS  := ./features ./journal/... ./experiment/... ./trainer/gbdt/...
PLAIN_PKGS := $(shell $(GO) list ./... 2>/dev/null | grep -v -e '/features$$' -e /journal -e /experiment -e /trainer/gbdt)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build test demo bench bench-search bench-overnight bench-flat lint clean

build:
	$(GO) build -o $(BIN) ./cmd/nightshift

test:
	$(GO) vet ./...
	$(GO) test -count=1 $(PLAIN_PKGS)
	$(GO) test -count=1 -race $(RACE_PKGS)

# The main job on a shipped dataset: a 2-minute search with the built-in
# planner (SMS spam: text only, so every trial engineers features), the
# leaderboard, then the final model (an ensemble of the best trials' bags)
# scored once on the holdout. The journal is bin/demo.db; inspect it with
# status/trials.
DEMO_DB := bin/demo.db
demo: build
	rm -f $(DEMO_DB) $(DEMO_DB).lock
	$(BIN) profile --data testdata/data/sms_spam.csv --target is_spam
	$(BIN) run --data testdata/data/sms_spam.csv --target is_spam --study demo --budget 2m --db $(DEMO_DB)
	$(BIN) status --db $(DEMO_DB)
	$(BIN) holdout --study demo --db $(DEMO_DB)
	$(BIN) report --study demo --db $(DEMO_DB) --out bin/reports/demo

# Benchmarks and long checks; figures are quoted as ratios in the notes.
# bench.sh: GBDT (cmd/gbdtbench), exact and quantized, vs the LightGBM CLI
# (default and use_quantized_grad=true), XGBoost-hist and sklearn HGB on the
# 1M-row sets, then the LightGBM CLI exactness check of every row, quantized
# or not (LightGBM parts skipped with a message when no binary is found).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./features/... ./journal/...
	$(GO) test -count=1 -tags bench -run HundredKills -v ./journal/
	$(GO) test -run '^$$' -bench Journal -benchtime 3x -timeout 60m ./cmd/nightshift/
	NIGHTSHIFT_CRASH_KILLS=100 $(GO) test -count=1 -run TestSIGKILLLosesNothing -v ./cmd/nightshift/
	$(GO) test -run '^$$' -bench . -benchtime 3x ./trainer/gbdt/
	trainer/gbdt/bench/bench.sh bin/bench-gbdt
	# predict: 1M rows × 30 columns, 200 trees, end to end vs the LightGBM CLI's task=predict
	$(GO) test -count=1 -tags bench -run TestPredictThroughputVsLightGBM -v -timeout 60m ./experiment/promote/

# Side by side with Optuna TPE + XGBoost (10 minutes per dataset and side).
bench-search:
	BUDGET=$${BUDGET:-600} experiment/bench/search.sh

# One study per dataset and seed (60 minutes), read as of 10 minutes and in
# full: holdout AUC ± SE, the pick's CV-to-holdout gap, trials, journal size;
# experiment/bench/overnight-table.py ARM=OUT... tables arms side by side.
bench-overnight:
	experiment/bench/overnight.sh

# The flat trial rate (issue 20): one study on creditcard_10k, trials/min,
# CPU share and CPU per trial in its first and last SEGMENT, with CPU
# profiles of both ends; BEFORE=REF runs that commit first, same settings.
# PRELOAD=FILE resumes a grown journal (go test -tags bench -run
# TestPreloadJournal ./experiment/) to see the late regime at once.
bench-flat:
	BUDGET=$${BUDGET:-60m} SEGMENT=$${SEGMENT:-10m} experiment/bench/flatrate.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin
