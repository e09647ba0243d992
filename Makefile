# SPDX-License-Identifier: GPL-2.0
# fanotify fastpath: top-level Makefile.
#
#   make                 build all modules against KDIR (default: the running kernel)
#   make install         modules_install into /lib/modules/<kver>/updates + depmod
#   make uninstall       remove what make install installed, then depmod
#                        (KDIR selects the kernel; INSTALL_MOD_PATH a staging root)
#   make check           build root + VM: the whole test suite on Debian's kernel
#   make lint            sparse, coccicheck, checkpatch --strict on our code
#   make vm-run ARGS=".." build, then boot the VM with your own tests (scripts/vm-run.sh --help)
#   make demo            build, then run the demo in the VM (selftests/demo.sh)
#   make harness-selftest  check that the VM runner reports planted failures
#   make dkms-check      dkms add/build/install/remove + make install/uninstall in a throwaway
#                        copy of the build root, and the DKMS-built modules in the VM
#   make bench           build, then run the benchmarks on both kernels in the VM under QEMU
#                        instruction counting (scripts/bench.sh; ARGS="--boots 2")
#   make anc-bench       build, then run the ancestry-cache benchmark in the VM under QEMU
#                        instruction counting (scripts/anc-bench.sh; ARGS="--runs N")
#   make bench-watchers  inotifywait -r against fsnotifywait -S + the subtree handler in the VM
#                        (scripts/bench-watchers.sh; ARGS="--dirs 1000")
#   make deb             the Debian packages (debian/) built in the build root, lintian-checked
#                        (scripts/deb-build.sh; build/deb/src/*.deb)
#   make deb-check       make deb, then apt install / VM / apt purge in a throwaway copy of the
#                        build root (scripts/deb-check.sh)

KDIR ?= /lib/modules/$(shell uname -r)/build
export FP_TEST_MODULES

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The targets below build in the Debian trixie build root (scripts/setup-buildroot.sh), not
# against KDIR; FP_KERNEL=backports selects trixie-backports' newest kernel.
check:
	@scripts/check.sh

lint:
	@scripts/lint.sh

vm-run:
	@scripts/build.sh && scripts/vm-run.sh $(ARGS)

demo:
	@scripts/demo.sh

harness-selftest:
	@scripts/harness-selftest.sh

dkms-check:
	@scripts/build.sh && scripts/dkms-check.sh

deb:
	@scripts/deb-build.sh

deb-check:
	@scripts/deb-check.sh

# The kernel release of KDIR as uname -r reports it (UTS_RELEASE: Debian 12's 6.1 headers
# have the upstream version, 6.1.N, in include/config/kernel.release, and modules_install
# would use it unless told), the handler modules (from handlers/Kbuild, as in dkms.conf) and
# where modules_install puts our modules: updates/ keeps the tree's layout (module/, handlers/).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
FP_HANDLERS = $(patsubst %.o,%,$(shell sed -n 's/^[[:space:]]*obj-m[[:space:]]*[:+]\{0,1\}=//p' handlers/Kbuild))
FP_MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/updates
DEPMOD_BASE = $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH))
# Distribution headers (Debian's) enable CONFIG_MODULE_SIG_ALL without shipping the kernel's
# signing key: skip that signing step instead of failing noisily (Secure Boot: see README).
FP_NOSIGN = $(if $(wildcard $(KDIR)/output/signing_key.pem $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)

install:
	@test -n "$(KVER)" || { echo "no kernel release in $(KDIR): set KDIR"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) FP_TEST_MODULES= modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) FP_TEST_MODULES= INSTALL_MOD_DIR=updates KERNELRELEASE=$(KVER) $(FP_NOSIGN) modules_install
	depmod $(DEPMOD_BASE) -a $(KVER)

uninstall:
	@test -n "$(KVER)" || { echo "no kernel release in $(KDIR): set KDIR or KVER"; exit 1; }
	rm -f $(FP_MODDIR)/module/fanotify_fastpath.ko*
	$(foreach h,$(FP_HANDLERS),rm -f $(FP_MODDIR)/handlers/$(h).ko*;)
	rmdir $(FP_MODDIR)/module $(FP_MODDIR)/handlers 2>/dev/null || true
	depmod $(DEPMOD_BASE) -a $(KVER)

bench:
	@scripts/bench.sh $(ARGS)

anc-bench:
	@scripts/anc-bench.sh $(ARGS)

# Kbuild's clean needs KDIR; without it (e.g. no headers for the host kernel) only build/ and
# the harness module's outputs go.
clean:
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build
	cd selftests/harness && rm -f *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers
	cd selftests/harness/debug && rm -f *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers

.PHONY: all modules clean check lint vm-run demo harness-selftest install uninstall dkms-check
.PHONY: bench anc-bench deb deb-check

# Recursive watchers: inotifywait -r against fsnotifywait -S with the subtree handler, on trees
# of 1k, 10k and 100k directories, in the VM (scripts/bench-watchers.sh; ARGS="--dirs N").
bench-watchers:
	@scripts/bench-watchers.sh $(ARGS)

.PHONY: bench-watchers
