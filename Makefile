# SPDX-License-Identifier: GPL-2.0
#
# edu_tcp top-level Makefile.
#   make                 build module/edu_tcp.ko for the newest Debian 6.1 kernel
#   make KVER=<version>  build for another installed kernel
#   make check           every test, in guests of both kernels and a debug one
#   make demo            the life of one connection, drawn as a ladder
#   make lab NAME=...    one lab of Documentation/labs/ (no NAME: the list)
#   make install         module, UAPI header and tools (DESTDIR, PREFIX)

KVER ?= $(shell scripts/kver 6.1 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

VERSION := $(shell cat VERSION)

.PHONY: all module deps clean install uninstall

all: module

deps:
	@scripts/deps

module: deps
	@test -n "$(KVER)" || { echo "no Debian 6.1 kernel found; run scripts/deps" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

clean:
	@if [ -n "$(KVER)" ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build

# ---- tests, static checks and guests (scripts/check and friends) ----
#   make selftests       selftests/*.c -> build/selftests/, tools/*.c -> build/tools/
#   make sparse          sparse + gcc W=1 on a fresh build; fails on any finding
#   make lint            checkpatch --strict (ERROR/WARNING fail) + bash -n
#   make vm              interactive shell in a guest of $(KVER)
#   make debug-kernel    build (once; cached) the KASAN/lockdep/kmemleak kernel
#   make check-debug     make check on the debug kernel only
#   make vm-debug        interactive shell in a debug guest, module built for it
#   make bench           scripts/bench (edu_tcp beside the kernel's TCP, in a guest)

.PHONY: check selftests sparse lint vm demo bench lab
.PHONY: debug-kernel check-debug module-debug vm-debug

KSFT_HDR := build/kselftest/kselftest_harness.h
UAPI_HDRS := $(wildcard include/uapi/linux/*.h)
SELFTEST_CFLAGS ?= -Wall -Wextra -O2 -g -I include/uapi -I selftests -isystem build/kselftest
SELFTEST_LDLIBS ?= -pthread -lm
TOOLS_CFLAGS ?= -Wall -Wextra -O2 -g -I include/uapi -I tools
TOOLS_LDLIBS ?= -pthread -lm
SELFTEST_BINS := $(patsubst selftests/%.c,build/selftests/%,$(wildcard selftests/*.c))
# Preload libraries among the tools are built as shared objects, not programs.
TOOL_LIB_SRCS := tools/edu_tcpize.c
TOOL_LIBS := $(patsubst tools/%.c,build/tools/%.so,$(TOOL_LIB_SRCS))
TOOL_BINS := $(patsubst tools/%.c,build/tools/%,$(filter-out $(TOOL_LIB_SRCS),$(wildcard tools/*.c)))
# Who runs a guest wants the module built for that guest's kernel.
VM_RUN := scripts/vm-run -k $(KVER)

check:
	@scripts/check

check-debug:
	@EDU_CHECK_SERIES=debug scripts/check

debug-kernel: deps
	@scripts/debug-kernel

# As scripts/check builds it: in a copy of the sources, against the tree.
DEBUG_KO := build/debug/edu_tcp.ko
module-debug: deps
	@tree=$$(scripts/debug-kernel) && scripts/copy-src build/debug/src && \
		$(MAKE) -C "$$tree" M=$(CURDIR)/build/debug/src W=1 modules && \
		cp build/debug/src/module/edu_tcp.ko $(DEBUG_KO)

vm-debug: module-debug selftests
	@EDU_KO=$(DEBUG_KO) scripts/vm-run -k debug --smp 2 --timeout 86400

selftests: $(SELFTEST_BINS) $(TOOL_BINS) $(TOOL_LIBS)

$(KSFT_HDR):
	@scripts/kselftest-headers

build/selftests/%: selftests/%.c $(wildcard selftests/*.h) $(UAPI_HDRS) | $(KSFT_HDR)
	@mkdir -p $(@D)
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(SELFTEST_LDLIBS)

build/tools/%: tools/%.c $(wildcard tools/*.h) $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_LDLIBS)

build/tools/%.so: tools/%.c $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -fPIC -shared -o $@ $< -ldl -pthread

# The Wireshark dissector for protocol 253 (v4 and v6), where Wireshark
# looks for a user's Lua plugins.
WIRESHARK_PLUGIN_DIR ?= $(HOME)/.local/lib/wireshark/plugins
.PHONY: wireshark-plugin
wireshark-plugin:
	install -D -m 644 tools/edu_tcp.lua $(WIRESHARK_PLUGIN_DIR)/edu_tcp.lua

sparse: deps
	@scripts/sparse $(KVER)

lint: deps
	@scripts/lint

vm: module selftests
	@EDU_KO=module/edu_tcp.ko $(VM_RUN) --timeout 86400

# scripts/demo and scripts/bench boot their own guests (through vm-run).
demo: module
	@test -x scripts/demo || { echo "make demo: scripts/demo is not written yet" >&2; exit 1; }
	@KVER=$(KVER) scripts/demo

bench: deps
	@test -x scripts/bench || { echo "make bench: scripts/bench is not written yet" >&2; exit 1; }
	@KVER=$(KVER) scripts/bench

# One lab of Documentation/labs/ in a guest; without NAME, the list.
lab: module
	@KVER=$(KVER) scripts/lab $(NAME)

# ---- a plain install (DKMS: see dkms.conf) ----
#   make install [KVER=...] [DESTDIR=...] [PREFIX=/usr/local]
# The module goes where depmod looks before the kernel's own tree
# (/lib/modules/KVER/updates); the UAPI header where a C program finds
# <linux/edu_tcp.h>; the tools and scripts/edu-gateway in PREFIX/bin.
# depmod runs for a real install only: a DESTDIR is someone else's tree.
PREFIX ?= /usr/local
MODDIR := /lib/modules/$(KVER)/updates
# tools/ programs that are scripts (no .c source, no extension)
TOOL_SCRIPTS := $(filter-out $(wildcard tools/*.*),$(wildcard tools/edu*))
INSTALLED_TOOLS := $(TOOL_BINS) $(TOOL_SCRIPTS) scripts/edu-gateway

install: module $(TOOL_BINS)
	install -D -m 644 module/edu_tcp.ko $(DESTDIR)$(MODDIR)/edu_tcp.ko
	install -D -m 644 include/uapi/linux/edu_tcp.h $(DESTDIR)$(PREFIX)/include/linux/edu_tcp.h
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(INSTALLED_TOOLS) $(DESTDIR)$(PREFIX)/bin/
	@if [ -z "$(DESTDIR)" ]; then echo "depmod -a $(KVER)"; depmod -a $(KVER); fi
	@echo "installed edu_tcp $(VERSION) for $(KVER): modprobe edu_tcp"

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/edu_tcp.ko $(DESTDIR)$(PREFIX)/include/linux/edu_tcp.h
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(INSTALLED_TOOLS)))
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi
