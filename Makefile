# SPDX-License-Identifier: GPL-2.0
#
# gvpn: kernel module (kernel/), daemon and CLI (daemon/), tests.
#
#   make                  userland programs and gvpn.ko for KVER
#   make KVER=6.1         ... for another installed kernel (series or version)
#   make check            unit tests on the host, then the kselftests in a VM
#                         for each of TEST_KERNELS (default "6.1 6.12")
#   make lint             checkpatch --strict and sparse on kernel/
#   make demo             the demo (see README.md)
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

selftests:
	$(MAKE) -C selftests/gvpn all install
	$(MAKE) -C selftests/gvpnd all install

check: userland modules-test selftests
	scripts/check $(TEST_KERNELS)

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

clean:
	$(MAKE) -C daemon O=$(BUILD)/daemon clean
	rm -rf $(BUILD)

.PHONY: all userland module modules-test selftests check lint demo clean
