# SPDX-License-Identifier: GPL-2.0
# fanotify fastpath: top-level Makefile.
#
#   make                 build all modules against KDIR (default: the running kernel)
#   make install         modules_install into /lib/modules/<kver>/updates + depmod
#   make check           build root + VM: the whole test suite on Debian's kernel
#   make lint            sparse, coccicheck, checkpatch --strict on our code
#   make vm-run ARGS=".." build, then boot the VM with your own tests (scripts/vm-run.sh --help)
#   make demo            build, then run the demo in the VM (selftests/demo.sh)
#   make harness-selftest  check that the VM runner reports planted failures

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

# Kbuild's clean needs KDIR; without it (e.g. no headers for the host kernel) only build/ and
# the harness module's outputs go.
clean:
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build
	cd selftests/harness && rm -f *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers

.PHONY: all modules clean check lint vm-run demo harness-selftest
