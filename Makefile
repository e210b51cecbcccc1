# winnow: one Makefile for the library, the commands and the tests.
#
#   make                       build libwinnow.a and the commands into bin/
#   make DEVELOPER=1           ... with -Werror
#   make test                  build and run every test; ends "N passed, N failed"
#   make SANITIZE=address,undefined test   the same under ASan and UBSan
#   make layers                the layers point down only (tools/layers.py)
#   make check                 what CI runs: DEVELOPER build, tests, layers, the test web server
#                              under TSan, sanitizer tests, 30 s of each fuzz target
#   make test-tsan             the scraper and server tests against a TSan test server
#   make deps                  install what a fresh Debian 12 machine lacks
#                              (BENCH=1: also what bench/ compares with, bench-deps too;
#                              DOCS=1: what `make docs` needs)
#   make bench                 build the benchmark helpers (see bench/)
#   make bench-deps            onnxruntime-node under bench/ort/ (bench/label_ort.sh)
#   make docs                  remake docs/augment.png, the augment contact sheet
#   make model                 fetch nsfwjs (npm) and convert its models into models/
#   make install               copy what `make` and `make model` made under PREFIX
#                              (default /usr/local; DESTDIR=DIR stages it under DIR;
#                              MODELS=mobilenet_v2 installs only that model); builds nothing
#   make uninstall             remove what `make install` put there (same PREFIX, DESTDIR)
#   make demo                  the whole pipeline on real images (demo/run.sh)
#   make fuzz                  fuzz the decoders and pipeline parser (FUZZ_SECONDS=60);
#                              a crash fails it and leaves build/fuzz/crash-*

CC ?= cc
CXX ?= g++
PKG_CONFIG ?= pkg-config
DEB_PACKAGES = build-essential pkg-config libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev \
	libgif-dev libxxhash-dev libsqlite3-dev libcmocka-dev sqlite3 python3 \
	libmicrohttpd-dev libcurl4-openssl-dev curl iproute2 libjansson-dev libopenblas-dev \
	libopencv-features2d-dev libopencv-calib3d-dev python3-skimage python-matplotlib-data chromium clang \
	imagemagick strace
BENCH_PACKAGES = python3-pil python3-numpy python3-skimage python3-opencv bc xxhash jdupes fdupes \
	findimagedupes imagemagick libvips-tools python3-onnx
# grace_hopper.jpg (public domain) is the photo of the contact sheet
DOCS_PACKAGES = python-matplotlib-data imagemagick fonts-dejavu-core
SHEET_PHOTO = /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg

WARNINGS = -Wall -Wextra -Wshadow -Wvla -Wformat=2 -Wmissing-prototypes
CFLAGS ?= -O2 -g

# The library: one folder a subsystem under lib/, layered (docs/design.md,
# `make layers`). What each subsystem needs from the system:
SUBSYSTEMS = base img hash quality aug nn learn net catalog derive feat dupes
img_PKGS = libturbojpeg libjpeg libpng libwebp libwebpdemux
img_LIBS = -lgif
hash_PKGS = libxxhash
nn_PKGS = jansson openblas
learn_PKGS = openblas jansson
net_PKGS = libcurl
catalog_PKGS = sqlite3
# OpenCV 4 ships no pkg-config file on Debian 12.
feat_LIBS = -lopencv_features2d -lopencv_calib3d -lopencv_flann -lopencv_imgproc \
	-lopencv_core -lstdc++
feat_CXXFLAGS = -isystem /usr/include/opencv4
PKGS = $(sort $(foreach s,$(SUBSYSTEMS),$($(s)_PKGS)))
# libs_for SUBSYSTEMS: the link flags of those subsystems
libs_for = $(shell $(PKG_CONFIG) --libs $(sort $(foreach s,$(1),$($(s)_PKGS))) 2>/dev/null) \
	$(foreach s,$(1),$($(s)_LIBS)) -lpthread -lm

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(CFLAGS) $(WARNINGS) -MMD -MP -Ilib -I. \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS = $(call libs_for,$(SUBSYSTEMS))
# C++ only where a library is C++ (lib/feat: OpenCV), behind a C header.
CXX_WARNINGS = -Wall -Wextra -Wshadow -Wvla -Wformat=2 -Wmissing-declarations
ALL_CXXFLAGS = -std=gnu++17 -D_GNU_SOURCE $(CFLAGS) $(CXX_WARNINGS) -MMD -MP -Ilib -I. \
	$(feat_CXXFLAGS)
LDFLAGS ?=

BUILD = build
BIN = bin
ifdef DEVELOPER
ALL_CFLAGS += -Werror
ALL_CXXFLAGS += -Werror
endif
ifdef SANITIZE
BUILD = build/sanitize
BIN = build/sanitize/bin
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC = $(foreach s,$(SUBSYSTEMS),$(wildcard lib/$(s)/*.c))
LIB_CXX_SRC = $(foreach s,$(SUBSYSTEMS),$(wildcard lib/$(s)/*.cpp))
LIB = $(BUILD)/libwinnow.a

COMMANDS = augment db dedup label resize scraper
CLI_SRC = cli/cli.c cli/options.c
# Each command's own sources, and the subsystems it links with.
db_SRC = db/main.c $(wildcard db/cmd_*.c)
dedup_SRC = dedup/main.c
resize_SRC = $(wildcard resize/*.c)
augment_SRC = $(wildcard augment/*.c)
label_SRC = $(wildcard label/*.c)
label_EXTRA = $(BUILD)/label/web.o
scraper_SRC = $(wildcard scraper/*.c)
augment_USES = base img hash aug catalog derive
db_USES = base img hash catalog nn learn feat dupes
dedup_USES = base img hash catalog feat dupes
label_USES = base img hash catalog nn learn
resize_USES = base img hash catalog derive
scraper_USES = base img hash catalog net
FIXTURE_SRC = tests/fixtures.c
# Unit tests, one folder a subsystem as under lib/: tests/unit/<s>/test_*.c,
# each a program build/tests/test_* of the same name.
UNIT_SRC = $(wildcard tests/unit/*/test_*.c)
UNIT_TESTS = $(notdir $(basename $(UNIT_SRC)))
ifneq ($(words $(UNIT_TESTS)),$(words $(sort $(UNIT_TESTS))))
$(error two unit tests share a name: $(sort $(UNIT_SRC)))
endif
# Every unit test program's main() (it runs the tests UNIT_TEST registers).
UNIT_MAIN = tests/unit/unit.c

obj = $(patsubst %.cpp,$(BUILD)/%.o,$(patsubst %.c,$(BUILD)/%.o,$(1)))

all: $(LIB) $(addprefix $(BIN)/,$(COMMANDS))

# The review page, embedded in the label binary.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $<
$(BUILD)/label/web.c: label/web/review.html $(BUILD)/tools/embed
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed review_html $< $@
$(BUILD)/label/web.o: $(BUILD)/label/web.c
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '   CC $<'
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	@echo '   CXX $<'
	@$(CXX) $(ALL_CXXFLAGS) -c -o $@ $<

# The pixel loops want GCC's full vectoriser, which -O2 leaves mostly off.
$(BUILD)/lib/img/resample.o $(BUILD)/lib/img/resample_simd.o $(BUILD)/lib/aug/warp.o $(BUILD)/lib/aug/pixel.o \
	$(BUILD)/lib/nn/run.o $(BUILD)/lib/nn/kernels.o $(BUILD)/lib/aug/yccpoint.o \
	$(BUILD)/lib/learn/softgrad.o $(BUILD)/lib/quality/measure.o $(BUILD)/lib/img/jpeg.o \
	$(BUILD)/lib/quality/colour.o: CFLAGS += -O3
# Warps make positions in float and double with SIMD and plain loops that
# must agree to the bit: no fused multiply-adds behind their backs.
# (override: a CFLAGS given on the command line must not drop it)
# The softmax gradient's AVX2 and plain paths likewise, and the skin test's.
$(BUILD)/lib/aug/warp.o $(BUILD)/lib/aug/plan.o $(BUILD)/lib/aug/planmap.o \
	$(BUILD)/lib/learn/softgrad.o $(BUILD)/lib/quality/colour.o: override CFLAGS += -ffp-contract=off

$(LIB): $(call obj,$(LIB_SRC) $(LIB_CXX_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

# Each command is its sources plus the shared command helpers.
define command_rule
$(BIN)/$(1): $(call obj,$($(1)_SRC) $(CLI_SRC)) $($(1)_EXTRA) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $$(LDFLAGS) -o $$@ $$^ $$(call libs_for,$$($(1)_USES)) $$($(1)_LDLIBS)
endef
$(foreach c,$(COMMANDS),$(eval $(call command_rule,$(c))))
label_LDLIBS = $(shell $(PKG_CONFIG) --libs libmicrohttpd)

# Unit tests that read files shipped in the tree (examples/) find them here.
$(BUILD)/tests/unit/%.o: override CFLAGS += -DSRCDIR='"$(CURDIR)"'

define unit_program
$(BUILD)/tests/$(notdir $(basename $(1))): $(call obj,$(1) $(UNIT_MAIN) $(FIXTURE_SRC)) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS) -lcmocka
endef
$(foreach t,$(UNIT_SRC),$(eval $(call unit_program,$(t))))

$(BUILD)/tests/mkfixtures: $(call obj,tests/mkfixtures.c $(FIXTURE_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The test web server (scraper tests and bench/scraper.sh).
$(BUILD)/tests/nntool: $(call obj,tests/nntool.c) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/httpd: $(call obj,tests/httpd.c $(FIXTURE_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(shell $(PKG_CONFIG) --libs libmicrohttpd)

BENCH_PROGRAMS = $(BUILD)/bench/decode_bench $(BUILD)/bench/catalog_bench $(BUILD)/bench/mih_bench \
	$(BUILD)/bench/orient_bench \
	$(BUILD)/bench/augment_bench $(BUILD)/bench/jpeg_floor_bench $(BUILD)/bench/nn_bench \
	$(BUILD)/bench/resize_stages_bench $(BUILD)/bench/quality_bench \
	$(BUILD)/bench/fingerprint_decode_bench $(BUILD)/bench/jpeg_dc_bench
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

bench: $(BENCH_PROGRAMS)

# Coverage-guided fuzzing of the decoders with libFuzzer (needs clang).
#   make fuzz FUZZ_SECONDS=300
# Each target starts from seeds (mkfixtures' damaged and unusual images;
# the example pipelines). A crash, a sanitizer report (UBSan too: no
# recovering), a leak, a timeout or running out of memory makes libFuzzer
# exit non-zero, which fails make.
FUZZ_SECONDS ?= 60
FUZZ_SAN = address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -O1 -g -MMD -MP -Ilib -I. \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ = $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRC)) \
	$(patsubst %.cpp,build/fuzz/obj/%.o,$(LIB_CXX_SRC))
fuzz: build/fuzz/fuzz_decode build/fuzz/fuzz_augpipe build/tests/mkfixtures
	@mkdir -p build/fuzz/corpus build/fuzz/seeds build/fuzz/pipe-corpus
	build/tests/mkfixtures bad build/fuzz/seeds
	build/fuzz/fuzz_decode -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=60 \
		-artifact_prefix=build/fuzz/ build/fuzz/corpus build/fuzz/seeds
	build/fuzz/fuzz_augpipe -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=60 \
		-artifact_prefix=build/fuzz/ build/fuzz/pipe-corpus examples

# The library is compiled once for both targets (coverage counters, no
# libFuzzer main); each target links it with its own entry point.
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '   CLANG $<'
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
# (no vptr checks: they need UBSan's C++ runtime, which the C link lacks)
build/fuzz/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	@echo '   CLANG++ $<'
	@clang++ -std=gnu++17 -D_GNU_SOURCE -O1 -g -MMD -MP -Ilib -I. $(feat_CXXFLAGS) \
		-fsanitize=fuzzer-no-link,$(FUZZ_SAN) -fno-sanitize=vptr -c -o $@ $<

build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJ)
	@echo '   LINK $@'
	@clang -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(LIBS)

test-programs: all $(addprefix $(BUILD)/tests/,$(UNIT_TESTS)) $(BUILD)/tests/mkfixtures \
	$(BUILD)/tests/nntool $(BUILD)/tests/httpd

# The test web server is built like everything else (under SANITIZE too):
# the tests fail if it dies or reports anything (tests/cli/lib.sh).
test: test-programs
	@WINNOW_BIN=$(CURDIR)/$(BIN) WINNOW_TESTBIN=$(CURDIR)/$(BUILD)/tests \
		WINNOW_HTTPD=$(CURDIR)/$(BUILD)/tests/httpd WINNOW_GOLDEN=$(CURDIR)/build/golden \
		tests/run.sh $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))

# The test web server under ThreadSanitizer: its own code instrumented
# (one thread per connection), linked with the plain library; the plain
# commands are the clients. A race report stops the server (exit 66) and
# fails the test script.
TSAN_SERVER = build/tsan/tests/httpd
build/tsan/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo '   CC $< (tsan)'
	@$(CC) $(ALL_CFLAGS) -fsanitize=thread -fno-omit-frame-pointer -c -o $@ $<
$(TSAN_SERVER): build/tsan/tests/httpd.o build/tsan/tests/fixtures.o build/libwinnow.a
	$(CC) $(LDFLAGS) -fsanitize=thread -o $@ $^ $(LIBS) $(shell $(PKG_CONFIG) --libs libmicrohttpd)

ifdef SANITIZE
test-tsan:
	@echo "test-tsan: run it without SANITIZE (ThreadSanitizer excludes the others)"; exit 2
else
test-tsan: all build/tests/mkfixtures $(TSAN_SERVER)
	@WINNOW_BIN=$(CURDIR)/bin WINNOW_TESTBIN=$(CURDIR)/build/tests \
		WINNOW_HTTPD=$(CURDIR)/$(TSAN_SERVER) TESTS='t0[45]00-' \
		TSAN_OPTIONS="halt_on_error=1 exitcode=66 $(TSAN_OPTIONS)" tests/run.sh
endif

# Fuzzing ends the run when clang is there (make deps installs it).
check:
	@$(MAKE) --no-print-directory DEVELOPER=1 test
	@$(MAKE) --no-print-directory DEVELOPER=1 layers
	@$(MAKE) --no-print-directory DEVELOPER=1 test-tsan
	@$(MAKE) --no-print-directory DEVELOPER=1 SANITIZE=address,undefined test
	@if command -v clang >/dev/null; then \
		$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30; \
	else echo "check: no clang, fuzzing skipped (make deps installs it)"; fi

deps:
	@missing=$$(for p in $(DEB_PACKAGES) $(if $(BENCH),$(BENCH_PACKAGES)) $(if $(DOCS),$(DOCS_PACKAGES)); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) \
			apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: everything is installed"; fi
	@command -v npm >/dev/null || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq nodejs npm; }
	@$(MAKE) --no-print-directory model node-deps $(if $(BENCH),bench-deps)

# TensorFlow.js for the parity test's reference side (tests/node/).
node-deps: tests/node/node_modules/.package-lock.json
tests/node/node_modules/.package-lock.json: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --silent

# ONNX Runtime for bench/label_ort.sh; its install script only fetches
# optional GPU files, the CPU library is in the package.
bench-deps: bench/ort/node_modules/.package-lock.json
bench/ort/node_modules/.package-lock.json: bench/ort/package.json bench/ort/package-lock.json
	cd bench/ort && npm ci --ignore-scripts --no-audit --no-fund --silent

# The nsfwjs models (MIT), converted to TensorFlow.js layers-model files.
NSFWJS_VERSION = 4.4.0
NSFWJS_DIR = models/.nsfwjs-$(NSFWJS_VERSION)
MODEL_NAMES = mobilenet_v2 inception_v3

model: $(foreach m,$(MODEL_NAMES),models/$(m)/model.json)

$(NSFWJS_DIR)/package/package.json:
	@mkdir -p $(NSFWJS_DIR)
	cd $(NSFWJS_DIR) && npm pack --silent nsfwjs@$(NSFWJS_VERSION) >/dev/null && \
		tar xzf nsfwjs-$(NSFWJS_VERSION).tgz && rm nsfwjs-$(NSFWJS_VERSION).tgz
	@touch $@

models/%/model.json: $(NSFWJS_DIR)/package/package.json tools/nsfwjs-to-tfjs.js
	node tools/nsfwjs-to-tfjs.js $(NSFWJS_DIR)/package/dist/models/$* models/$*

# Installing, as GNU's conventions go: the commands, their manuals, the
# models (where label finds them: lib/nn/registry.h) and bash completion
# (one script, found under each command's name by bash-completion's lazy
# loader). install builds nothing, so that `sudo make install` after
# `make` stays unprivileged work and BIN=DIR installs the commands in DIR
# (a SANITIZE build's, say) as they are.
PREFIX = /usr/local
bindir = $(PREFIX)/bin
datadir = $(PREFIX)/share
mandir = $(datadir)/man
man1dir = $(mandir)/man1
winnowdir = $(datadir)/winnow
modeldir = $(winnowdir)/models
completionsdir = $(datadir)/bash-completion/completions
INSTALL = install
INSTALL_PROGRAM = $(INSTALL) -m 755
INSTALL_DATA = $(INSTALL) -m 644
MODELS = $(MODEL_NAMES)
# a layers model's files, as tools/nsfwjs-to-tfjs.js writes them
MODEL_FILES = model.json classes.txt group*-shard*of*.bin
MAN_PAGES = $(COMMANDS:%=man/%.1)
COMPLETION_FILE = $(firstword $(COMMANDS))
COMPLETION_LINKS = $(filter-out $(COMPLETION_FILE),$(COMMANDS))

install:
	@for c in $(COMMANDS); do [ -x $(BIN)/$$c ] || \
		{ echo "install: $(BIN)/$$c is missing; run make first"; exit 1; }; done
	$(INSTALL) -d "$(DESTDIR)$(bindir)" "$(DESTDIR)$(man1dir)" "$(DESTDIR)$(completionsdir)"
	$(INSTALL_PROGRAM) $(COMMANDS:%=$(BIN)/%) "$(DESTDIR)$(bindir)"
	$(INSTALL_DATA) $(MAN_PAGES) "$(DESTDIR)$(man1dir)"
	$(INSTALL_DATA) completion/winnow.bash "$(DESTDIR)$(completionsdir)/$(COMPLETION_FILE)"
	for c in $(COMPLETION_LINKS); do \
		ln -sf $(COMPLETION_FILE) "$(DESTDIR)$(completionsdir)/$$c" || exit 1; done
	@for m in $(MODELS); do \
		if [ ! -f models/$$m/model.json ]; then \
			echo "install: models/$$m is missing ('make model' makes it); label will need --model DIR"; \
			continue; fi; \
		echo "$(INSTALL_DATA) $(MODEL_FILES:%=models/$$m/%) $(DESTDIR)$(modeldir)/$$m"; \
		$(INSTALL) -d "$(DESTDIR)$(modeldir)/$$m" && \
		$(INSTALL_DATA) $(MODEL_FILES:%=models/$$m/%) "$(DESTDIR)$(modeldir)/$$m" || exit 1; \
	done

# Removes the files install makes (the model files named as models/ here
# names them), and the winnow folders once empty.
uninstall:
	rm -f $(COMMANDS:%="$(DESTDIR)$(bindir)/%") $(COMMANDS:%="$(DESTDIR)$(man1dir)/%.1") \
		$(COMMANDS:%="$(DESTDIR)$(completionsdir)/%")
	@for m in $(MODELS); do \
		d="$(DESTDIR)$(modeldir)/$$m"; [ -d "$$d" ] || continue; \
		if [ ! -f models/$$m/model.json ]; then \
			echo "uninstall: without models/$$m here, what install put in $$d is unknown; left"; \
			continue; fi; \
		for f in $$(cd models/$$m && ls $(MODEL_FILES)); do \
			echo "rm -f $$d/$$f"; rm -f "$$d/$$f" || exit 1; done; \
		rmdir "$$d" 2>/dev/null || echo "uninstall: $$d holds other files; left"; \
	done
	@for d in "$(DESTDIR)$(modeldir)" "$(DESTDIR)$(winnowdir)"; do \
		[ ! -d "$$d" ] || rmdir "$$d" 2>/dev/null || :; done

# The whole pipeline on real images, in a few minutes (see demo/run.sh).
demo: all model
	bash demo/run.sh

docs: all
	@test -r $(SHEET_PHOTO) || { echo "docs: $(SHEET_PHOTO) is missing: make deps DOCS=1"; exit 1; }
	bash docs/augment-sheet.sh $(SHEET_PHOTO) docs/augment.png

# The layers point down only, no command links another's sources, no
# files call each other in a circle, no folder over 20 .c files.
layers: all
	@/usr/bin/env python3 tools/layers.py $(BUILD) \
		$(foreach c,$(COMMANDS),'$(c)=$($(c)_SRC) $(CLI_SRC)')

clean:
	rm -rf build bin


.PHONY: all bench bench-deps fuzz layers test test-programs test-tsan check deps docs demo model node-deps \
	install uninstall clean
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
