# XPlanServer: `make run` sets up everything and serves; `make test` runs all tests.

SHELL := /bin/bash
CARGO_TARGET_DIR ?= $(HOME)/.cache/xplanserver-target
export CARGO_TARGET_DIR
CARGO ?= cargo
BIN_RELEASE := $(CARGO_TARGET_DIR)/release/xplanserver
BIN_DEBUG := $(CARGO_TARGET_DIR)/debug/xplanserver
# Throwaway PostGIS of the test suite.
XPLAN_TEST_DB_PORT ?= 55439
XPLAN_TEST_DATA_DIR ?= /tmp/xplanserver-test-pg-$(XPLAN_TEST_DB_PORT)
export XPLAN_TEST_DB_PORT XPLAN_TEST_DATA_DIR

.PHONY: deps build release run test lint bench bench-import bench-validate bench-wms bench-wfs bench-tiles clean-test-db

deps:
	@scripts/install-deps.sh
	@scripts/web-deps.sh

build: deps
	$(CARGO) build

release: deps
	$(CARGO) build --release

# Starts the managed PostGIS (unless XPLAN_DATABASE_URL or a config file names
# a server), imports the demo plans on first run and serves on 127.0.0.1:8080.
run: release
	$(BIN_RELEASE) db start || [ -n "$$XPLAN_DATABASE_URL" ]
	@if [ "$$($(BIN_RELEASE) list --format json)" = "[]" ]; then \
	  echo "importing the demo plans from fixtures/plans (invalid ones are refused)"; \
	  $(BIN_RELEASE) import fixtures/plans/*.zip fixtures/plans/*.gml || true; \
	fi
	$(BIN_RELEASE) serve

clean-test-db:
	@if [ -x $(BIN_DEBUG) ] && [ -d $(XPLAN_TEST_DATA_DIR) ]; then \
	  $(BIN_DEBUG) --data-dir $(XPLAN_TEST_DATA_DIR) --database-url "" db stop >/dev/null 2>&1 || true; \
	fi
	@rm -rf $(XPLAN_TEST_DATA_DIR)

test: deps
	$(CARGO) build --all-targets
	@$(MAKE) --no-print-directory clean-test-db
	@set -o pipefail; status=0; \
	  $(CARGO) test 2>&1 | tee $(CARGO_TARGET_DIR)/last-test.log || status=$$?; \
	  $(MAKE) --no-print-directory clean-test-db; \
	  exit $$status

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# Side-by-side import benchmark against ogr2ogr (see README).
bench-import: release
	python3 benches/import_vs_ogr2ogr.py --bin $(BIN_RELEASE)

# Side-by-side validation benchmark against xmllint --schema.
bench-validate: release
	python3 benches/validate_vs_xmllint.py --bin $(BIN_RELEASE)

bench: bench-import bench-validate
	$(CARGO) bench --bench parse

# Side-by-side WMS benchmark against MapServer 8 (FastCGI) with wrk.
bench-wms: release
	python3 benches/wms_vs_mapserver.py --bin $(BIN_RELEASE)

# Side-by-side WFS GetFeature benchmark (whole layers, GML and GeoJSON) against
# MapServer 8's WFS on the WMS benchmark's data.
bench-wfs: release
	python3 benches/wfs_vs_mapserver.py --bin $(BIN_RELEASE)

# Side-by-side tile benchmark: seeding and cached PNG tiles against MapCache
# (seeding MapServer 8), uncached vector tiles against martin, on the WMS
# benchmark's data (martin: see benches/tiles_vs_mapcache.py).
bench-tiles: release
	python3 benches/tiles_vs_mapcache.py --bin $(BIN_RELEASE)
