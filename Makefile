# SPDX-License-Identifier: GPL-2.0
#
# gvpn: kernel module (kernel/), daemon and CLI (daemon/), tests.
#
#   make                  userland programs and gvpn.ko for KVER
#   make KVER=6.1         ... for another installed kernel (series or version)
#   make check            unit tests on the host, then the kselftests in a VM
#                         for each of TEST_KERNELS (default "6.1 6.12")
#   make check-debug      opt-in: VM kselftests on a KASAN/lockdep/kmemleak
#                         kernel (scripts/debug-kernel builds it once)
#   make lint             checkpatch --strict and sparse on kernel/
#   make demo             the demo (see README.md)
#   make install          gvpn, gvpnd, man pages, bash completion, the
#                         systemd unit and example configurations
#                         (DESTDIR, PREFIX=/usr); gvpn.ko: make module
#   make modules_install  gvpn.ko for KVER into /lib/modules/KVER/updates,
#                         then depmod, so that "modprobe gvpn" loads it
#                         and its dependencies (INSTALL_MOD_PATH: no depmod)
#   make dkms-install     gvpn.ko's sources to /usr/src/gvpn-VERSION, built
#                         and installed by DKMS for every kernel with
#                         headers, and again for each new kernel
#                         (make dkms-uninstall removes them)
#   make deb              Debian packages gvpn-dkms and gvpnd in build/deb,
#                         checked with lintian
#
# KVER defaults to the running kernel when its headers are installed, else
# the newest installed Debian headers.

KVER ?= $(shell scripts/kver --default)
override KVER := $(shell scripts/kver $(KVER))
KDIR ?= /lib/modules/$(KVER)/build
TEST_KERNELS ?= 6.1 6.12
BUILD := $(CURDIR)/build

all: userland module

userland:
	$(MAKE) -C daemon O=$(BUILD)/daemon

# Each kernel gets its own object tree: build/mod-KVER holds links to the
# sources, so the kernel's kbuild writes objects there and not into kernel/.
define modtree
	@mkdir -p $(BUILD)/mod-$(1)/kernel
	@ln -sfn $(CURDIR)/Kbuild $(BUILD)/mod-$(1)/Kbuild
	@ln -sfn $(CURDIR)/uapi $(BUILD)/mod-$(1)/uapi
	@find $(BUILD)/mod-$(1)/kernel -maxdepth 1 -type l -delete
	@for f in $(CURDIR)/kernel/*.[ch] $(CURDIR)/kernel/Kbuild; do \
		ln -sfn $$f $(BUILD)/mod-$(1)/kernel/; done
endef

module: module-$(KVER)

module-%:
	$(call modtree,$*)
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/mod-$* W=1 modules

modules-test:
	@for k in $$(scripts/kver $(TEST_KERNELS)); do \
		$(MAKE) --no-print-directory module-$$k || exit 1; done

# (after userland: both build in daemon/, never at the same time)
selftests: userland
	$(MAKE) -C daemon O=$(BUILD)/daemon selftest-tools
	$(MAKE) -C selftests/gvpn all install
	$(MAKE) -C selftests/gvpnd all install

# (deb-modules: the packages selftests/gvpn/pkg_deb.sh installs in the VM)
check: userland modules-test selftests deb-modules
	scripts/check $(TEST_KERNELS)

# Opt-in debug lane: a subset of the VM selftests (TESTS overrides it) on
# scripts/debug-kernel's KASAN/lockdep/kmemleak 6.1 kernel, built once per
# machine into ~/.cache/gvpn (Documentation/testing.rst).
check-debug: userland selftests
	@kdir=$$(scripts/debug-kernel) && \
	$(MAKE) --no-print-directory module-debug DEBUG_KDIR=$$kdir \
		DEBUG_KVER=$$(cat $$kdir/release)
	scripts/check-debug

module-debug:
	$(call modtree,$(DEBUG_KVER))
	$(MAKE) -C $(DEBUG_KDIR)/linux M=$(BUILD)/mod-$(DEBUG_KVER) W=1 modules

# checkpatch --strict on every kernel source, sparse on each test kernel;
# any finding in our files fails. The YNL spec must match the uapi header.
lint:
	@out=$$(scripts/check-ynl-spec) || { echo "$$out"; exit 1; }
	@ksrc=$$(scripts/ksrc) && $$ksrc/scripts/checkpatch.pl --strict --no-tree \
		--quiet --show-types --ignore FILE_PATH_CHANGES \
		-f kernel/*.[ch] uapi/linux/gvpn.h
	@for k in $$(scripts/kver $(TEST_KERNELS)); do \
		out=$$($(MAKE) --no-print-directory module-$$k 2>&1) || \
			{ echo "$$out"; exit 1; }; \
		echo "  SPARSE  $$k"; \
		out=$$($(MAKE) -C /lib/modules/$$k/build M=$(BUILD)/mod-$$k \
			W=1 C=2 modules 2>&1 | grep -E '(warning|error):' | \
			grep -E '/mod-[^/]*/(kernel|uapi)/'); \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	done

DEMO_KERNEL ?= 6.1

demo: userland
	@$(MAKE) --no-print-directory module-$$(scripts/kver $(DEMO_KERNEL))
	DEMO_KERNEL=$(DEMO_KERNEL) scripts/demo

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/gvpn
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || \
	     echo /lib/systemd/system)

# /etc/gvpn is made 0750 and left empty: configurations hold secrets' paths
install: userland
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(COMPDIR) $(DESTDIR)$(UNITDIR)
	install -d -m 750 $(DESTDIR)/etc/gvpn
	install -m 755 $(BUILD)/daemon/gvpn $(BUILD)/daemon/gvpnd $(DESTDIR)$(SBINDIR)/
	install -m 644 Documentation/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 Documentation/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 daemon/cli/gvpn.bash-completion $(DESTDIR)$(COMPDIR)/gvpn
	sed 's|/usr/sbin/gvpnd|$(SBINDIR)/gvpnd|' systemd/gvpnd.service \
		>$(DESTDIR)$(UNITDIR)/gvpnd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/gvpnd.service
	install -m 644 examples/*.conf $(DESTDIR)$(DOCDIR)/examples/

clean:
	$(MAKE) -C daemon O=$(BUILD)/daemon clean
	rm -rf $(BUILD)

# The packages' version, for DKMS too: debian/changelog's (native, so
# no Debian revision). Deferred: only the targets that use it run
# dpkg-parsechangelog (dpkg-dev).
PKG_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)

# gvpn.ko into updates/, which depmod ranks above the kernel's own tree.
# Without debug information, as the kernel's own modules. (Not kbuild's
# modules_install: with Debian's headers it tries to sign with a key only
# the kernel's build had.)
modules_install: module
	install -D -m 644 $(BUILD)/mod-$(KVER)/kernel/gvpn.ko \
		$(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates/gvpn.ko
	strip --strip-debug $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates/gvpn.ko
	$(if $(INSTALL_MOD_PATH),@echo "modules_install: no depmod under INSTALL_MOD_PATH", \
		depmod -a $(KVER))

# (again: DKMS forgets the previous build of this version first)
dkms-install:
ifeq ($(DESTDIR),)
	-@dkms status -m gvpn -v $(PKG_VERSION) | grep -q . && \
		dkms remove gvpn/$(PKG_VERSION) --all
endif
	scripts/dkms-src "$(DESTDIR)" $(PKG_VERSION)
ifeq ($(DESTDIR),)
	dkms add gvpn/$(PKG_VERSION)
	@for k in /lib/modules/*; do k=$${k##*/}; \
		if [ -e /lib/modules/$$k/build/include ]; then \
			dkms install gvpn/$(PKG_VERSION) -k $$k || exit 1; \
		else echo "dkms-install: no headers for $$k, skipped"; fi; \
	done
endif

dkms-uninstall:
	-[ ! -d /sys/module/gvpn ] || modprobe -r gvpn
	-dkms remove gvpn/$(PKG_VERSION) --all
	rm -rf /usr/src/gvpn-$(PKG_VERSION)

# dpkg-buildpackage writes its results next to the source tree: build a
# copy of the tree (without build/ and .git) in build/deb/gvpn-VERSION
DEB_DIR := $(BUILD)/deb
deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/gvpn-$(PKG_VERSION)
	tar -c --exclude=./build --exclude=./.git --exclude=__pycache__ . | \
		tar -x -C $(DEB_DIR)/gvpn-$(PKG_VERSION)
	cd $(DEB_DIR)/gvpn-$(PKG_VERSION) && \
		dpkg-buildpackage -b -us -uc -j2 >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	lintian --fail-on error,warning,info -i $(DEB_DIR)/gvpn_$(PKG_VERSION)_*.changes
	@ls -l $(DEB_DIR)/*.deb

# gvpn-dkms's sources built by DKMS here for each of TEST_KERNELS, in a
# private DKMS tree (build/deb/dkms): DKMS itself, a shell script, takes
# minutes under the VMs' emulated CPU, so selftests/gvpn/pkg_deb.sh hands
# the guest's DKMS this build for its kernel. depmod over a whole module
# tree takes minutes there too (6.12's are xz-compressed): the module
# dependency files with DKMS's gvpn.ko in updates/dkms and without it are
# made here, in build/deb/dkms/KVER/{with,without}, as scripts/vmtest does
deb-modules: deb
	rm -rf $(DEB_DIR)/dkms
	mkdir -p $(DEB_DIR)/dkms/root $(DEB_DIR)/dkms/tree
	dpkg-deb -x $(DEB_DIR)/gvpn-dkms_$(PKG_VERSION)_all.deb $(DEB_DIR)/dkms/root
	dkms add --dkmstree $(DEB_DIR)/dkms/tree \
		--sourcetree $(DEB_DIR)/dkms/root/usr/src gvpn/$(PKG_VERSION) >/dev/null
	@for k in $$(scripts/kver $(TEST_KERNELS)); do \
		echo "  DKMS    $$k"; \
		dkms build --dkmstree $(DEB_DIR)/dkms/tree \
			--sourcetree $(DEB_DIR)/dkms/root/usr/src \
			gvpn/$(PKG_VERSION) -k $$k >/dev/null || exit 1; \
		for v in with without; do \
			d=$(DEB_DIR)/dkms/$$k/$$v; m=$$d/lib/modules/$$k; \
			mkdir -p $$m/updates/dkms && \
			ln -s /lib/modules/$$k/kernel $$m/kernel && \
			cp /lib/modules/$$k/modules.order \
			   /lib/modules/$$k/modules.builtin \
			   /lib/modules/$$k/modules.builtin.modinfo $$m/ || exit 1; \
			[ $$v = without ] || cp $(DEB_DIR)/dkms/tree/gvpn/$(PKG_VERSION)/$$k/x86_64/module/gvpn.ko* \
				$$m/updates/dkms/ || exit 1; \
			depmod -b $$d $$k || exit 1; \
		done; \
	done

.PHONY: modules_install dkms-install dkms-uninstall deb deb-modules
.PHONY: all userland module modules-test selftests check check-debug module-debug lint demo install clean
