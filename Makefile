# SPDX-License-Identifier: GPL-2.0
# fanotify fastpath: top-level Makefile.
#
#   make                 build all modules against KDIR (default: the running kernel)
#   make install         modules_install into /lib/modules/<kver>/updates + depmod
#   make check           build root + VM: the whole test suite on Debian's kernel
#   make lint            sparse, coccicheck, checkpatch --strict on our code

KDIR ?= /lib/modules/$(shell uname -r)/build
export FP_TEST_MODULES

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build

.PHONY: all modules clean
