# VDI Station — one entry point.
#   make          build everything (installs missing Debian packages first)
#   make check    build, then run every test (TAP, one prove summary)
#   make bench    benchmarks (broker vs nginx, broker under attack vs idle,
#                 launcher vs remote-viewer,
#                 launcher vs xfreerdp and gvncviewer,
#                 firmware payload, boot stages, station RAM, typed login
#                 vs autoconnect and USB hot-plug on a station); figures are
#                 printed and written to build/bench/
#   make demo     a station PXE-boots in QEMU against a local broker and desktop
#   make deps     install the Debian packages the project needs
#   make lint     clang-format and shellcheck
#   make clean
#
# Sources are found by wildcard: a new .c file in a component folder joins that
# component's library, and tests/unit/test_*.c each become a test program.

SHELL := /bin/bash
BUILD ?= build
O := $(BUILD)/obj

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libmicrohttpd json-c libcurl libxml-2.0 libvirt
GLIB_PKGS := glib-2.0

# -Werror in CI (CI=true) and whenever WERROR=1.
WERROR ?= $(if $(filter true 1,$(CI)),1,)
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter $(if $(WERROR),-Werror,)
OPT ?= -O2 -g
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
SAN_FLAGS ?=
CPPFLAGS += -D_GNU_SOURCE -Itools/common -Itools/broker -Itools/stationctl \
	-DVDI_VERSION='"$(VERSION)"'
CFLAGS += -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(SAN_FLAGS) -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SAN_FLAGS)

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

# libcurl: connection_url mappings (broker_fetch.c); libvirt and libxml2:
# desktops that are libvirt domains (broker_libvirt*.c).
# libldap: directory logins (broker_directory.c).
LIBS_BROKER = $(shell $(PKG_CONFIG) --libs libmicrohttpd json-c libcurl libvirt libxml-2.0 \
	2>/dev/null) -lcrypt -lpthread -lldap -llber
LIBS_CTL = $(shell $(PKG_CONFIG) --libs libcurl json-c libxml-2.0 libvirt 2>/dev/null) -lcrypt
GLIB_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(GLIB_PKGS) 2>/dev/null)
GLIB_LIBS = $(shell $(PKG_CONFIG) --libs $(GLIB_PKGS) 2>/dev/null)

# The station launcher (client/): GTK 3, spice-gtk, gtk-vnc, libcurl, json-c, libudev;
# xscrnsaver (libXss) for the X server's idle time (session limits).
CLIENT_PKGS := gtk+-3.0 spice-client-gtk-3.0 gtk-vnc-2.0 x11 libcurl json-c libudev xscrnsaver
CLIENT_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(CLIENT_PKGS) 2>/dev/null)
CLIENT_LIBS = $(shell $(PKG_CONFIG) --libs $(CLIENT_PKGS) 2>/dev/null) -lm
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))
LIB_CLIENT := $(BUILD)/lib/libvdiclient.a

COMMON_SRC := $(wildcard tools/common/*.c)
BROKER_SRC := $(filter-out tools/broker/main.c,$(wildcard tools/broker/*.c))
CTL_SRC := $(filter-out tools/stationctl/main.c,$(wildcard tools/stationctl/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(O)/%.o,$(1))

LIB_COMMON := $(BUILD)/lib/libvdicommon.a
LIB_BROKER := $(BUILD)/lib/libvdibroker.a
LIB_CTL := $(BUILD)/lib/libstationctl.a
BINS := $(BUILD)/bin/vdi-broker $(BUILD)/bin/stationctl $(BUILD)/bin/vdi-usb-acl-helper
ifneq ($(wildcard client/main.c),)
BINS += $(BUILD)/bin/vdi-launcher
else
UNIT_SRC := $(filter-out tests/unit/test_client_%,$(UNIT_SRC))
endif
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))

.PHONY: all deps build check bench lint clean asan fuzz demo unit firmware firmware-test
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory firmware

build: $(BINS) $(UNIT_BINS)

deps:
	@tools/deps.sh

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(if $(filter tests/%,$<),$(GLIB_CFLAGS)) \
		$(if $(filter client/% tests/unit/test_client_%,$<),-Iclient $(CLIENT_CFLAGS)) -c -o $@ $<

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_BROKER): $(call obj,$(BROKER_SRC))
$(LIB_CTL): $(call obj,$(CTL_SRC))
$(LIB_CLIENT): $(call obj,$(CLIENT_SRC))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/vdi-broker: $(call obj,tools/broker/main.c) $(LIB_BROKER) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BROKER)

$(BUILD)/bin/stationctl: $(call obj,tools/stationctl/main.c) $(LIB_CTL) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CTL)

$(BUILD)/bin/vdi-launcher: $(call obj,client/main.c) $(LIB_CLIENT) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

# The station's USB ACL helper (tools/usb-acl-helper/): libc and the common
# logger only; its unit tests link its parts.
USB_ACL_SRC := $(filter-out tools/usb-acl-helper/main.c,$(wildcard tools/usb-acl-helper/*.c))
$(BUILD)/bin/vdi-usb-acl-helper: $(call obj,tools/usb-acl-helper/main.c $(USB_ACL_SRC) \
		tools/common/log.c tools/common/utf8.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
$(O)/tests/unit/test_usb_acl_%.o: CPPFLAGS += -Itools/usb-acl-helper
$(BUILD)/tests/unit/test_usb_acl_%: $(O)/tests/unit/test_usb_acl_%.o $(call obj,$(USB_ACL_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(GLIB_LIBS)

# The USB-filter test follows a filter from the stations file through the
# broker's reply to the launcher's parser, and compares with usbredir's own
# parser (the one spice-gtk uses): it links all three sides and usbredir.
USBREDIR_PKG := libusbredirparser-0.5
$(O)/tests/unit/test_usb_filter.o: CPPFLAGS += -Iclient $(shell $(PKG_CONFIG) --cflags $(USBREDIR_PKG) 2>/dev/null)
$(BUILD)/tests/unit/test_usb_filter: $(O)/tests/unit/test_usb_filter.o $(LIB_CLIENT) $(LIB_BROKER) \
		$(LIB_CTL) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(LIBS_BROKER) $(LIBS_CTL) $(CLIENT_LIBS) \
		$(shell $(PKG_CONFIG) --libs $(USBREDIR_PKG) 2>/dev/null)

# Launcher unit tests link the launcher's library and GTK; the others don't.
$(BUILD)/tests/unit/test_client_%: $(O)/tests/unit/test_client_%.o $(LIB_CLIENT) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(CLIENT_LIBS)
# The session limits' rule (client/launcher_limits.c), as a case table.
$(O)/tests/unit/test_launcher_limits.o: CPPFLAGS += -Iclient
$(BUILD)/tests/unit/test_launcher_limits: $(O)/tests/unit/test_launcher_limits.o $(LIB_CLIENT) \
		$(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(CLIENT_LIBS)

$(BUILD)/tests/unit/%: $(O)/tests/unit/%.o $(LIB_BROKER) $(LIB_CTL) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(GLIB_LIBS) $(LIBS_BROKER) $(LIBS_CTL)

# The same tree built with AddressSanitizer and UBSan, for one test pass.
asan: deps
	@$(MAKE) --no-print-directory build BUILD=$(BUILD)/asan OPT='-O1 -g' \
		SAN_FLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
		HARDEN='-fstack-protector-strong -fPIE'

# libFuzzer targets (clang), see tests/fuzz/README.md.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-D_GNU_SOURCE -Itools/common -Itools/broker \
	$(shell $(PKG_CONFIG) --cflags json-c libmicrohttpd libvirt libxml-2.0 2>/dev/null)
fuzz: deps $(FUZZ_BINS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(COMMON_SRC) $(BROKER_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(COMMON_SRC) $(BROKER_SRC) $(LIBS_BROKER)

# Station firmware (initramfs/, rootfs-overlay/, pxe/, tools/image/).
#   PROFILE=generic (default), qemu, or spice-only (no RDP and VNC viewers: its
#   launcher is built without gtk-vnc, in $(BUILD)/novnc); BROKER_URL= and
#   BROKER_CA= are baked in.
# The chosen profile's boot tree, SD card image and NFS root land in build/;
# tests use the small qemu profile, kept apart in build/firmware/qemu/media.
PROFILE ?= generic
BROKER_URL ?=
BROKER_CA ?=
FW := $(BUILD)/firmware
FW_ENV = VDI_BUILD=$(abspath $(BUILD)) BROKER_URL='$(BROKER_URL)' BROKER_CA='$(BROKER_CA)'
define fw_media
	tools/image/mk-tftpboot.sh $(1) $(2)/tftpboot
	tools/image/mk-sdcard.sh $(1) $(2)/sdcard.img
	tools/image/mk-nfsroot.sh $(1) $(2)/nfsroot.tar
endef

# The launcher of images without VNC: launcher_vnc.c with LAUNCHER_NO_VNC,
# linked without gtk-vnc.
NOVNC_LAUNCHER := $(BUILD)/novnc/bin/vdi-launcher
CLIENT_LIBS_NOVNC = $(shell $(PKG_CONFIG) --libs $(filter-out gtk-vnc-2.0,$(CLIENT_PKGS)) 2>/dev/null) -lm
$(O)/novnc/client/launcher_vnc.o: client/launcher_vnc.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DLAUNCHER_NO_VNC $(CFLAGS) -Iclient $(CLIENT_CFLAGS) -c -o $@ $<
$(NOVNC_LAUNCHER): $(call obj,client/main.c $(filter-out client/launcher_vnc.c,$(CLIENT_SRC))) \
		$(O)/novnc/client/launcher_vnc.o $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS_NOVNC)

ifneq ($(wildcard initramfs/build.sh),)
firmware: build $(NOVNC_LAUNCHER)
	$(FW_ENV) initramfs/build.sh $(PROFILE) $(FW)/$(PROFILE)
	$(call fw_media,$(FW)/$(PROFILE),$(BUILD))

# Tests boot the qemu profile with no broker baked in (the tests pass it on the
# kernel command line or in station.conf).
firmware-test: build
	VDI_BUILD=$(abspath $(BUILD)) BROKER_URL= BROKER_CA= initramfs/build.sh qemu $(FW)/qemu
	$(call fw_media,$(FW)/qemu,$(FW)/qemu/media)
else
firmware firmware-test:
	@:
endif

check: all
	@$(MAKE) --no-print-directory asan fuzz firmware-test
	tests/run.sh

# Benchmark helper programs: tools/bench/*.c, each linked with the libraries.
BENCH_BINS := $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(wildcard tools/bench/*.c))
$(BUILD)/bench/%: $(O)/tools/bench/%.o $(LIB_BROKER) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BROKER)

bench: all
	@$(MAKE) --no-print-directory $(BENCH_BINS) firmware-test
	tools/bench/run.sh
	tools/bench/broker-attacks.sh
	tools/bench/launcher-session.sh
	tools/bench/viewers.sh
	tools/bench/firmware.sh
	tools/bench/station-login.sh
	tools/bench/pool.sh
	tools/bench/directory.sh

# A station PXE-boots in QEMU against a local broker and desktop (see
# tools/demo.sh): a QEMU window, or VNC on 127.0.0.1 and screenshots in
# build/demo/.
demo: all
	tools/demo.sh

lint:
	VDI_ROOT=$(CURDIR) tests/lint/test-lint.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
