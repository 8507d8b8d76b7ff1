# onestamp — see README.md
GO ?= go
PKGS := ./...
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X onestamp/internal/app.Version=$(VERSION) -X onestamp/internal/app.Commit=$(shell git rev-parse --short HEAD 2>/dev/null || echo none)

.PHONY: run test bench lint build clean

## run: start the platform on the embedded database, loading the demo city on first start
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/onestamp serve -demo -dev

build:
	mkdir -p bin && $(GO) build -ldflags "$(LDFLAGS)" -o bin/onestamp ./cmd/onestamp

## test: vet and every test; PostgreSQL too when ONESTAMP_TEST_POSTGRES_URL is set (.ci/run sets it)
test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 20m $(PKGS)

## bench: the benchmarks whose figures BENCHMARKS.md reports
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

clean:
	rm -rf bin
