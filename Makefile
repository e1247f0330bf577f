# vigil — validation and monitoring of clinical prediction models.
#
#   make            build/vigil and build/libvigil.a
#   make check      deps, build, unit tests, CLI tests, symbol and install checks, ASan+UBSan
#   make install    PREFIX=/usr/local DESTDIR=: bin/vigil, include/vigil/*.h, lib/libvigil.a,
#                   lib/libvigil.so (SONAME libvigil.so.MAJOR), lib/pkgconfig/vigil.pc
#   make demo       deps, build, run a suite and a monitor on the bundled cohorts
#   make bench      benchmarks against the peers (writes bench/out/)
#   make deps       install missing Debian packages (as root) or print the apt-get line
#   make clean
#
# Switches (no configure script): CUDA=auto|0|1  PG=auto|0|1  SANITIZER=address,undefined  DEBUG=1
#   CUDA=auto builds the CUDA backend when nvcc is found; the binary still runs without a GPU.
#   PG=auto builds the PostgreSQL store driver (libpq) when pkg-config or pg_config finds libpq.

# The version is written once, in include/vigil/version.h.
VERSION    := $(shell awk '/define VIGIL_VERSION_(MAJOR|MINOR|PATCH) / { v = v s $$3; s = "." } \
                END { print v }' include/vigil/version.h)
SOMAJOR    := $(firstword $(subst ., ,$(VERSION)))
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
CUDA       ?= auto
PKGS       := gsl libcjson sqlite3 libcrypto
# chromium (report --pdf and the report's browser test), poppler-utils (the PDF text check),
# libxml2-utils (the model card against its XSD) and prometheus (promtool checks the OpenMetrics
# export), strace (counts the opens of a suite's case file): the tests use them and skip
# visibly where they are missing.
DEB_PKGS   := build-essential pkg-config libgsl-dev libsqlite3-dev libcjson-dev libcmocka-dev \
              libssl-dev gnuplot-nox sqlite3 libpq-dev postgresql openmpi-bin libopenmpi-dev \
              chromium poppler-utils libxml2-utils prometheus strace
# The peers `make bench` times vigil against (Debian's builds; PyPI peers are optional there).
BENCH_DEB_PKGS := python3-numpy python3-pandas python3-scipy python3-sklearn python3-xgboost r-cran-proc

# -- toolchain -----------------------------------------------------------------------------
NVCC ?= $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard /usr/local/cuda/bin/nvcc))
# CUDA=stub: the test harness of `make stub-tests` (tests/cudastub/): the .cu files built as host
# C++ against a CUDA-runtime stand-in, so the kernels' bodies run on the CPU. Tests only.
STUB := $(filter stub,$(CUDA))
ifeq ($(CUDA),stub)
  CUDA := 0
endif
ifeq ($(CUDA),auto)
  CUDA := $(if $(NVCC),1,0)
endif
CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))

# MPI=auto|0|1 (issue 22): `mpirun -n N build/vigil drift ...` splits the features across ranks.
# auto builds it in when mpicc is found; only src/core/dist.c sees mpi.h, and a binary started
# without mpirun never initialises MPI. MPI=0: one process, no libmpi.
MPI ?= auto
MPICC := $(shell command -v mpicc 2>/dev/null)
ifeq ($(MPI),auto)
  MPI := $(if $(MPICC),1,0)
endif
MPI_CFLAGS :=
MPI_LIBS   :=
ifeq ($(MPI),1)
  MPI_CFLAGS := -DVIGIL_HAVE_MPI=1 $(shell mpicc --showme:compile 2>/dev/null || mpicc -show 2>/dev/null | tr ' ' '\n' | grep '^-I' | tr '\n' ' ')
  MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null || echo -lmpi)
endif

# PG=1: the PostgreSQL store driver (src/store/drv_pg.c) with libpq; PG=0: a postgresql:// store
# is refused with how to rebuild.
PG ?= auto
ifeq ($(PG),auto)
  PG := $(shell { pkg-config --exists libpq 2>/dev/null || command -v pg_config >/dev/null 2>&1; } && echo 1 || echo 0)
endif
# libpq is linked shared even into a static program (vigil.pc's Libs.private): its own static
# dependencies (Kerberos, LDAP) are not installed with libpq-dev.
PG_LIBS :=
ifeq ($(PG),1)
  ifeq ($(shell pkg-config --exists libpq 2>/dev/null && echo y),y)
    PKG_PG := $(shell pkg-config --cflags libpq)
    PG_LIBS := $(shell pkg-config --libs libpq)
  else
    PKG_PG := -I$(shell pg_config --includedir)
    PG_LIBS := -L$(shell pg_config --libdir) -lpq
  endif
  LDLIBS += $(PG_LIBS)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(PKG_PG) $(if $(filter 1,$(PG)),-DVIGIL_HAVE_PG=1)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

OPT      := $(if $(DEBUG),-O0 -g3,-O2 -g)
CFLAGS   ?= $(OPT)
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
            -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP -pthread -fPIC
LDLIBS   += $(PKG_LIBS) $(MPI_LIBS) -lm -pthread
ifneq ($(SANITIZER),)
  CFLAGS  += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=$(SANITIZER)
endif

NVCCFLAGS ?= -O3 -std=c++17 -Xcompiler -fPIC,-Wall,-fno-exceptions -Iinclude -Isrc \
             -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
CUDA_LIBS  :=
ifeq ($(CUDA),1)
  CFLAGS += -DVIGIL_HAVE_CUDA=1
  CUDA_LIBS := -L$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lstdc++
  LDLIBS += $(CUDA_LIBS)
endif
ifneq ($(STUB),)
  CFLAGS += -DVIGIL_HAVE_CUDA=1 -DVIGIL_CUDA_STUB=1
  LDLIBS += -lstdc++
  CXX ?= g++
  STUB_CXXFLAGS = $(OPT) -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-unused-function -fPIC -pthread \
                  -DVIGIL_HAVE_CUDA=1 -DVIGIL_CUDA_STUB=1 -Itests/cudastub -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP \
                  $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all)
endif

# -- sources -------------------------------------------------------------------------------
LIB_SRC  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
CU_SRC   := $(if $(filter 1,$(CUDA))$(STUB),$(sort $(wildcard src/backend/cuda/*.cu)))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(CU_SRC:%.cu=$(BUILD)/obj/%.cu.o)
ifneq ($(STUB),)
# Only the files that read the CUDA switch differ from a build without CUDA: the stand-in build
# takes every other object from STUB_BASE (the sanitizer build, made first with the same flags).
STUB_BASE ?= build/san
STUB_OWN := src/backend/backend.c src/backend/cuda/cuda.c
LIB_OBJ  := $(patsubst %.c,$(STUB_BASE)/obj/%.o,$(filter-out $(STUB_OWN),$(LIB_SRC))) \
            $(STUB_OWN:%.c=$(BUILD)/obj/%.o) $(CU_SRC:%.cu=$(BUILD)/obj/%.cu.o) $(BUILD)/obj/tests/cudastub/stub.o
endif
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)

.PHONY: all check unit cli-tests pg-tests san-tests demo bench deps clean fuzz fuzz-replay valgrind \
        install uninstall install-test check-symbols stub-tests
all: $(BUILD)/vigil $(BUILD)/libvigil.a $(BUILD)/libvigil.so

# Objects depend on the compiler and flags too: a build folder made before a flag changed
# (say -fPIC, which the shared library needs) is recompiled rather than linked stale.
FLAGS_STAMP := $(BUILD)/obj/.cflags
FLAGS_TEXT  := $(subst ','"'"',$(CC) $(CFLAGS) $(MPI_CFLAGS))
$(FLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(FLAGS_TEXT)' | cmp -s - $@ || printf '%s\n' '$(FLAGS_TEXT)' >$@

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# only the rank seam sees mpi.h (core/dist.h)
$(BUILD)/obj/src/core/dist.o: CFLAGS += $(MPI_CFLAGS)

ifeq ($(STUB),)
# The bootstrap's passes are the CPU's to the bit only without fused multiply-adds, which nvcc
# forms by default (src/backend/cuda/bootstrap.cu; the other kernels use the _rn intrinsics).
$(BUILD)/obj/src/backend/cuda/bootstrap.cu.o: NVCCFLAGS += -fmad=false
$(BUILD)/obj/%.cu.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -DVIGIL_HAVE_CUDA=1 -MMD -MP -MF $(@:.o=.d) -c $< -o $@
else
# The stand-in: each launch kernel<<<grid, block>>>(args) becomes vigil_stub_launch(grid, block,
# kernel, args); #line keeps the diagnostics on the .cu file's own lines.
$(BUILD)/obj/%.cu.o: %.cu tests/cudastub/cuda_runtime.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	{ printf '#line 1 "%s"\n' '$<'; sed -E 's/([A-Za-z_][A-Za-z_0-9]*)<<<(.*)>>>\(/vigil_stub_launch(\2, \1, /' $<; } >$(@:.o=.cc)
	$(CXX) $(STUB_CXXFLAGS) -MF $(@:.o=.d) -MT $@ -c $(@:.o=.cc) -o $@
$(BUILD)/obj/tests/cudastub/stub.o: tests/cudastub/stub.cc tests/cudastub/cuda_runtime.h tests/cudastub/stub.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(STUB_CXXFLAGS) -c $< -o $@
$(BUILD)/vigil:
	@echo "CUDA=stub is a test harness: it builds tests, never $(BUILD)/vigil" >&2; exit 1
endif

$(BUILD)/libvigil.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The shared library exports the vigil_ names only (scripts/libvigil.map), so the static CUDA
# runtime and libstdc++ linked into it stay private to it.
$(BUILD)/libvigil.so.$(VERSION): $(LIB_OBJ) scripts/libvigil.map
	$(CC) -shared -Wl,-soname,libvigil.so.$(SOMAJOR) -Wl,--version-script=scripts/libvigil.map \
	  $(LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/libvigil.so: $(BUILD)/libvigil.so.$(VERSION)
	ln -sf libvigil.so.$(VERSION) $(BUILD)/libvigil.so.$(SOMAJOR)
	ln -sf libvigil.so.$(VERSION) $@

# pkg-config file for PREFIX: the private dependencies are what a static link needs.
$(BUILD)/vigil.pc: include/vigil/version.h Makefile FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
	  'includedir=$${prefix}/include' '' 'Name: vigil' \
	  'Description: validation and monitoring of clinical prediction models' \
	  'Version: $(VERSION)' 'Requires.private: $(PKGS)' 'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lvigil' 'Libs.private: -lm -pthread $(CUDA_LIBS) $(PG_LIBS) $(MPI_LIBS)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

install: $(BUILD)/vigil $(BUILD)/libvigil.a $(BUILD)/libvigil.so $(BUILD)/vigil.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/vigil \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/vigil $(DESTDIR)$(PREFIX)/bin/vigil
	install -m 644 include/vigil/*.h $(DESTDIR)$(PREFIX)/include/vigil/
	install -m 644 $(BUILD)/libvigil.a $(DESTDIR)$(PREFIX)/lib/libvigil.a
	install -m 755 $(BUILD)/libvigil.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libvigil.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libvigil.so.$(SOMAJOR)
	ln -sf libvigil.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libvigil.so
	install -m 644 $(BUILD)/vigil.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/vigil.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vigil $(DESTDIR)$(PREFIX)/lib/libvigil.a \
	  $(DESTDIR)$(PREFIX)/lib/libvigil.so $(DESTDIR)$(PREFIX)/lib/libvigil.so.$(SOMAJOR) \
	  $(DESTDIR)$(PREFIX)/lib/libvigil.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/pkgconfig/vigil.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/vigil

ifeq ($(STUB),)
$(BUILD)/vigil: $(CLI_OBJ) $(BUILD)/libvigil.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libvigil.a $(LDLIBS)
endif

$(BUILD)/tests/%: tests/%.c $(BUILD)/libvigil.a tests/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libvigil.a $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libvigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libvigil.a $(LDLIBS)

# -- tests ---------------------------------------------------------------------------------
# Unit tests run from the repository root so they find tests/reference/ and datasets/.
unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

cli-tests: $(BUILD)/vigil
	@VIGIL=$(abspath $(BUILD)/vigil) sh tests/cli/run.sh

# The store against a real PostgreSQL server: tests/pg/run.sh starts one in a temporary
# directory (Unix socket only) and stops it; it skips, saying so, only without the server
# binaries.
pg-tests: $(BUILD)/vigil $(BUILD)/tests/test_store_pg
	@VIGIL=$(abspath $(BUILD)/vigil) VIGIL_PG_UNIT=$(abspath $(BUILD)/tests/test_store_pg) PG=$(PG) \
	  sh tests/pg/run.sh

# Every global the library defines carries the vigil_ prefix (HACKING.md), in both libraries.
check-symbols: $(BUILD)/libvigil.a $(BUILD)/libvigil.so
	@sh scripts/check-symbols.sh $(BUILD)/libvigil.a $(BUILD)/libvigil.so

# Install into a scratch DESTDIR and build tests/install/app.c against it with pkg-config.
install-test: $(BUILD)/vigil $(BUILD)/libvigil.a $(BUILD)/libvigil.so
	@d=$$(mktemp -d /tmp/vigil-install-XXXXXX); \
	  $(MAKE) --no-print-directory install DESTDIR=$$d PREFIX=/opt/vigil >$$d.log 2>&1 || \
	    { cat $$d.log; rm -rf $$d $$d.log; exit 1; }; \
	  CC="$(CC)" sh tests/install/run.sh $$d /opt/vigil; rc=$$?; rm -rf $$d $$d.log; exit $$rc

# Every tests/cli/test_<name>.sh, by name. The sanitizer and valgrind runs take all of them but
# those their exclusion list names, so a new CLI test is covered without anyone remembering to
# add it; each exclusion says why.
CLI_TESTS := $(patsubst tests/cli/test_%.sh,%,$(sort $(wildcard tests/cli/test_*.sh)))

# The end-to-end tests again with build/vigil under valgrind (memory errors and leaks fail the
# call). Slow, so not part of `make check`.
#   reliability: kill -9 at timed points, concurrent writers and a load test; under valgrind's
#                20-50x slowdown its timings and the children it kills are no longer the test.
VALGRIND_EXCLUDE ?= reliability
VALGRIND_TESTS ?= $(filter-out $(VALGRIND_EXCLUDE),$(CLI_TESTS))
valgrind: $(BUILD)/vigil
	@rm -rf /tmp/vigil-valgrind
	@VG_VIGIL=$(abspath $(BUILD)/vigil) VIGIL=$(abspath scripts/valgrind-vigil) \
	  VIGIL_CLI_ONLY="$(VALGRIND_TESTS)" \
	  sh tests/cli/run.sh; rc=$$?; \
	  if [ -s /tmp/vigil-valgrind/FAILURES ]; then cat /tmp/vigil-valgrind/FAILURES; exit 1; fi; exit $$rc

# The fuzz corpus and every crash input kept as a regression, once each through each harness.
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c tests/fuzz/fuzz.h $(BUILD)/libvigil.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/driver.c $(BUILD)/libvigil.a $(LDLIBS)

fuzz-replay: $(REPLAY_BIN)
	@for r in $(REPLAY_BIN); do n=$${r##*/replay_}; \
	  $$r tests/fuzz/corpus/$$n tests/fuzz/regressions/$$n || exit 1; done

# The unit tests, the fuzz regressions and the end-to-end CLI tests with ASan+UBSan: a memory
# error, a leak or undefined behaviour changes the exit status every CLI check compares.
# SAN_BUILD is the folder (build/san; give your own when several people share the tree).
#   reliability: kill -9 at timed points and a load test; the sanitizers' slowdown distorts the
#                timings it checks, and a killed child's leak report is not a finding.
SAN_BUILD ?= build/san
SAN_CLI_EXCLUDE ?= reliability
SAN_CLI_TESTS ?= $(filter-out $(SAN_CLI_EXCLUDE),$(CLI_TESTS))
# The CUDA backend's own code without a GPU: the .cu files built as host C++ against the
# stand-in of tests/cudastub/ (CUDA=stub), with ASan+UBSan, and tests/stub/test_cuda_stub.c run
# through them: parity with the CPU across chunk boundaries, every allocation, copy and launch
# made to fail in turn (the error, no device memory left behind, the next call right), device
# memory short, and a kernel fault that loses the context.
STUB_BUILD ?= build/stub
stub-tests:
	$(MAKE) BUILD=$(SAN_BUILD) SANITIZER=address,undefined CUDA=0 DEBUG=1 $(SAN_BUILD)/libvigil.a
	$(MAKE) BUILD=$(STUB_BUILD) STUB_BASE=$(SAN_BUILD) CUDA=stub SANITIZER=address,undefined DEBUG=1 \
	  $(STUB_BUILD)/tests/test_cuda_stub
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(STUB_BUILD)/tests/test_cuda_stub

$(BUILD)/tests/test_cuda_stub: tests/stub/test_cuda_stub.c $(BUILD)/libvigil.a tests/testutil.h tests/cudastub/stub.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(BUILD)/libvigil.a $(CMOCKA_LIBS) $(LDLIBS)

san-tests:
	$(MAKE) BUILD=$(SAN_BUILD) SANITIZER=address,undefined CUDA=0 DEBUG=1 unit fuzz-replay \
	  $(SAN_BUILD)/vigil
	@ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
	  VIGIL=$(abspath $(SAN_BUILD)/vigil) VIGIL_CLI_ONLY="$(SAN_CLI_TESTS)" sh tests/cli/run.sh

# libFuzzer (clang) with ASan+UBSan, FUZZ_SECONDS per harness (FUZZ_TIMEOUT s per input).
# The seeds are tests/fuzz/corpus/<harness>/ and the kept regressions. Crashes, leaks and
# timeouts are written to tests/fuzz/regressions/<harness>/: fix the bug, keep the input
# (make check replays it). Every harness runs; `make fuzz` then fails when any
# libFuzzer binary exited non-zero or left a new crash-/leak-/timeout-/oom- file, naming the
# harness, the input and its log ($(FUZZ_BUILD)/fuzz_<harness>.log).
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_CC ?= clang
FUZZ_BUILD ?= $(BUILD)/fuzzlib
FUZZ_FLAGS ?=
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CUDA=0 DEBUG=1 \
	  SANITIZER=address,undefined,fuzzer-no-link $(FUZZ_BUILD)/libvigil.a
	@failed=; for h in $(FUZZ_SRC); do n=$$(basename $$h .c); n=$${n#fuzz_}; \
	  b=$(FUZZ_BUILD)/fuzz_$$n; log=$$b.log; art=tests/fuzz/regressions/$$n; \
	  $(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc $(PKG_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $$b $$h \
	    $(FUZZ_BUILD)/libvigil.a $(PKG_LIBS) -lm -pthread || exit 1; \
	  mkdir -p $(FUZZ_BUILD)/corpus_$$n $$art; \
	  ls -A $$art | grep -E '^(crash|leak|timeout|oom)-' >$$b.before; \
	  echo "== fuzz $$n for $(FUZZ_SECONDS) s"; \
	  $$b -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
	    $(FUZZ_FLAGS) -artifact_prefix=$$art/ $(FUZZ_BUILD)/corpus_$$n tests/fuzz/corpus/$$n $$art \
	    >$$log 2>&1; rc=$$?; \
	  grep -E 'stat::number_of_executed_units|stat::peak_rss|Done' $$log; \
	  new=$$(ls -A $$art | grep -E '^(crash|leak|timeout|oom)-' | grep -vxF -f $$b.before); \
	  if [ $$rc -ne 0 ] || [ -n "$$new" ]; then \
	    awk '/^==[0-9]+== ?ERROR|runtime error/ { p = 1 } /^Shadow bytes|^MS: |^SUMMARY/ { p = 0 } \
	      p && k++ < 40' $$log; grep -E '^SUMMARY' $$log; \
	    echo "FUZZ FAILURE: harness $$n ($$h): $$b exited with status $$rc; log $$log"; \
	    { sed -n 's/.*Test unit written to //p' $$log; for f in $$new; do echo $$art/$$f; done; } | \
	      sort -u | while read -r f; do echo "FUZZ FAILURE: harness $$n: crashing input $$f"; done; \
	    failed="$$failed $$n"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: FAILED:$$failed"; exit 1; fi; \
	echo "make fuzz: every harness ran $(FUZZ_SECONDS) s without a crash"

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) cli-tests
	$(MAKE) pg-tests
	$(MAKE) check-symbols
	$(MAKE) install-test
	$(MAKE) san-tests
	$(MAKE) stub-tests
	@echo "make check: all test stages passed"

demo: deps
	$(MAKE) all
	@sh scripts/demo.sh $(BUILD)/vigil

bench: deps
	@sh scripts/deps.sh $(BENCH_DEB_PKGS)
	$(MAKE) all
	@sh bench/run.sh $(BUILD)/vigil

deps:
	@sh scripts/deps.sh $(DEB_PKGS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
