# SPDX-License-Identifier: GPL-2.0
#
# kleak: build the module against the running kernel (or KDIR), or run the
# test bed.  See README.md.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
TB := scripts/testbed/tb
KERNEL ?= 6.12

.PHONY: all modules clean deps check lint vm demo bench rank stress help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		find . -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' | xargs rm -f

deps:
	@$(TB) deps

lint:
	@$(TB) lint

# The project's one test command: static checks, builds and boots of the
# stock 5.10, 6.1, 6.12 and 7.2 kernels and the debug kernel, KUnit and
# guest tests.
check:
	@$(TB) check $(KERNELS)

# Boot KERNEL (5.10, 6.1, 6.12, 7.2 or debug) with kleak loaded; run CMD, or
# get a shell.
vm:
	@$(TB) vm $(KERNEL) "$(CMD)"

# The seed incident, end to end, in a VM (KERNEL, default 6.12): see README.md.
demo:
	@$(TB) demo $(KERNEL)

# kleak's cost against the bare kernel, empty probes and BCC memleak, in
# one boot: writes bench/RESULTS.md.
bench:
	@$(TB) bench

# Where a planted slow leak ranks on a busy box, in suspects, stacks,
# kleak-report and BCC memleak, on 6.12 and 7.2: writes bench/RANK.md.
rank:
	@$(TB) rank

# The reliability suite: storms, load cycles, fault sweeps, fuzzing, access,
# lockdown, in the debug kernel and every stock one: writes
# tests/RELIABILITY.md.
stress:
	@$(TB) stress

help:
	@echo "make [modules] [KDIR=...]  build kleak.ko against a kernel tree"
	@echo "make deps                  install what the test bed needs"
	@echo "make check [KERNELS=...]   run every test in QEMU (default: 5.10 6.1 6.12 7.2 debug)"
	@echo "make vm KERNEL=7.2 CMD=... boot a kernel with kleak; CMD or a shell"
	@echo "make lint                  checkpatch --strict on the sources"
	@echo "make demo [KERNEL=5.10]    the /proc/schedstat leak hunt, in a VM"
	@echo "make bench                 the benchmark: writes bench/RESULTS.md"
	@echo "make rank                  the ranking benchmark: writes bench/RANK.md"
	@echo "make stress                the reliability suite: writes tests/RELIABILITY.md"
