# SPDX-License-Identifier: GPL-2.0-or-later
# A thin wrapper over meson/ninja.  Five build folders, never mixed:
#   build/        the default: tracker on, -O2 -g; the CLI is build/ioda
#   build-asan/   ASan + UBSan, where the tests run
#   build-tsan/   ThreadSanitizer, for the concurrency tests
#   build-bench/  tracker compiled out, -O2, for make bench
#   build-fuzz/   clang, libFuzzer + ASan + UBSan: the fuzz targets only

MESON ?= meson
NINJA ?= ninja

# Debian packages the build, the tests and the tools need.
DEB_PKGS := gcc g++ libc6-dev make python3 meson ninja-build pkg-config libfdt-dev \
	device-tree-compiler libcmocka-dev clang libclang-rt-14-dev libjson-c-dev \
	graphviz python3-jsonschema libpci-dev pci.ids doxygen

SAN_ARGS := -Doptimization=1 -Ddebug=true -Dc_args=-fno-sanitize-recover=all

.PHONY: all deps build check demo bench faults torture oracle oracle-hotplug install clean asan man \
	tsan fuzz fuzz-build

all: build

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y --no-install-recommends $$missing; \
	fi

build/build.ninja:
	$(MESON) setup build --buildtype=debugoptimized -Dtracker=true

build-asan/build.ninja:
	$(MESON) setup build-asan -Db_sanitize=address,undefined -Db_lundef=false $(SAN_ARGS)

build-tsan/build.ninja:
	$(MESON) setup build-tsan -Db_sanitize=thread -Db_lundef=false $(SAN_ARGS)

build-bench/build.ninja:
	$(MESON) setup build-bench --buildtype=release -Doptimization=2 -Dtracker=false

build-fuzz/build.ninja:
	CC=clang $(MESON) setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false $(SAN_ARGS)

build: build/build.ninja
	$(NINJA) -C build

asan: build-asan/build.ninja
	$(NINJA) -C build-asan

tsan: build-tsan/build.ninja
	$(NINJA) -C build-tsan

fuzz-build: build-fuzz/build.ninja
	$(NINJA) -C build-fuzz

# TSan needs a low-entropy address space on some kernels: setarch -R gives one.
check: deps
	$(MAKE) build asan tsan fuzz-build
	$(MESON) test -C build-asan --suite unit --suite conformance --print-errorlogs
	$(MESON) test -C build-asan --suite matrix --print-errorlogs
	grep -h '^matrix: .*failed' build-asan/meson-logs/testlog.txt
	TSAN_OPTIONS=halt_on_error=1 setarch $$(uname -m) -R \
		$(MESON) test -C build-tsan --suite concurrency --print-errorlogs
	$(MESON) test -C build-fuzz --suite fuzz --print-errorlogs

# Each fuzz target for SECONDS, one at a time; the corpus grows in build-fuzz/long/.
SECONDS ?= 60
FUZZ_TARGETS := topo dt log scenario
fuzz: deps
	$(MAKE) fuzz-build
	for t in $(FUZZ_TARGETS); do \
		$(MESON) test -C build-fuzz --suite fuzz fuzz-$$t -v \
			--test-args="--seconds $(SECONDS) --keep --work $(CURDIR)/build-fuzz/long/$$t" \
			--timeout-multiplier 0 || exit 1; \
	done

demo: deps
	$(MAKE) build
	./build/ioda tree
	@echo
	./build/ioda boot

# Figures against their goals (docs/performance.md); never fails on a time.
# The tracker-on figures come from build/'s ioda-bench, run as the peer.
bench: deps build-bench/build.ninja
	$(MAKE) build
	$(NINJA) -C build-bench
	./build-bench/bench/ioda-bench --peer=build/bench/ioda-bench --tsv=build-bench/bench.tsv

# A fault at every allocation and firmware call of each operation, on the
# example machines, under ASan + UBSan (make check sweeps a small machine).
faults: deps
	$(MAKE) asan
	./build-asan/tests/faults/fault-sweep --full .

# 10^6 random operations under ASan + UBSan, audited every 1000; then two
# threads under TSan.  SEED picks the machine and the streams.
TORTURE_SEED ?= 1
torture: deps
	$(MAKE) asan tsan
	./build-asan/ioda torture --seed=$(TORTURE_SEED) --ops=1000000 --audit-every=1000
	TSAN_OPTIONS=halt_on_error=1 setarch $$(uname -m) -R \
		./build-tsan/ioda torture --seed=$(TORTURE_SEED) --ops=200000 --threads=2 --audit-every=1000

# The real kernel on QEMU as the oracle (not part of check): N topologies from SEED
# (RESOURCES=1: leaning to hotplug reserves and realloc, a command line each).
N ?= 50
SEED ?= 1
oracle: deps
	$(MAKE) build
	N=$(N) SEED=$(SEED) RESOURCES=$(RESOURCES) tests/oracle/run.sh

# The guest pulls devices out and rescans: hotplug scenarios from the real kernel.
oracle-hotplug: deps
	$(MAKE) build
	N=$(N) SEED=$(SEED) tests/oracle/hotplug.sh

# The man page's commands are their --help texts (a test checks it is current).
man: build
	python3 tools/gen_man.py build/ioda docs/man/ioda.1.in docs/man/ioda.1

install: build
	$(MESON) install -C build --destdir "$(DESTDIR)"

clean:
	rm -rf build build-asan build-tsan build-bench build-fuzz
