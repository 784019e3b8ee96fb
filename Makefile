# SPDX-License-Identifier: GPL-2.0
#
# kleak: build the module against the running kernel (or KDIR), or run the
# test bed.  See README.md.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
TB := scripts/testbed/tb
KERNEL ?= 6.12
# make install: where the scripts and manual pages go (DESTDIR for staging)
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates

.PHONY: all modules clean deps check lint vm demo bench rank soak stress help install uninstall deb dkms

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		find . -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' | xargs rm -f

# Without DKMS: kleak.ko for KVER (default: the running kernel) into
# /lib/modules/KVER/updates, then depmod (modprobe kleak works); the
# scripts into SBINDIR, the manual pages into MANDIR.
install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KLEAK_MODULE_ONLY=1 modules
	install -D -m 0644 kleak.ko $(MODDIR)/kleak.ko
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi
	install -D -m 0755 scripts/kleak-report $(DESTDIR)$(SBINDIR)/kleak-report
	install -D -m 0755 scripts/kleak-watch $(DESTDIR)$(SBINDIR)/kleak-watch
	install -D -m 0644 man/kleak.4 $(DESTDIR)$(MANDIR)/man4/kleak.4
	install -D -m 0644 man/kleak-report.8 $(DESTDIR)$(MANDIR)/man8/kleak-report.8
	install -D -m 0644 man/kleak-watch.8 $(DESTDIR)$(MANDIR)/man8/kleak-watch.8

uninstall:
	rm -f $(MODDIR)/kleak.ko
	-rmdir $(MODDIR) 2>/dev/null
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi
	rm -f $(DESTDIR)$(SBINDIR)/kleak-report $(DESTDIR)$(SBINDIR)/kleak-watch
	rm -f $(DESTDIR)$(MANDIR)/man4/kleak.4 $(DESTDIR)$(MANDIR)/man8/kleak-report.8 \
		$(DESTDIR)$(MANDIR)/man8/kleak-watch.8
	-rmdir $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8 2>/dev/null

# The Debian package kleak-dkms_<version>_all.deb (dpkg-buildpackage,
# dh-dkms), checked by lintian, into this directory.
deb:
	@$(TB) deb

# The package and DKMS tested for real (also part of make check): see README.
dkms:
	@$(TB) dkms

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

# kleak for SOAK_MINUTES (default 60) on the busy Debian system guest
# (KERNEL, default 6.12): the stack table's use and kleak's memory, into
# bench/SOAK.md.
soak:
	@$(TB) soak $(KERNEL)

# The seed incident, end to end, on the Debian system guest (KERNEL,
# default 6.12): see README.md.
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
	@echo "make install [KVER=...]    kleak.ko, scripts and man pages, without DKMS (uninstall: the reverse)"
	@echo "make deb                   the Debian package kleak-dkms_<version>_all.deb"
	@echo "make dkms                  the package and DKMS in chroots, each module booted"
	@echo "make demo [KERNEL=5.10]    the /proc/schedstat leak hunt, in a VM"
	@echo "make bench                 the benchmark: writes bench/RESULTS.md"
	@echo "make rank                  the ranking benchmark: writes bench/RANK.md"
	@echo "make soak [KERNEL=7.2]     an hour on the busy Debian system: writes bench/SOAK.md"
	@echo "make stress                the reliability suite: writes tests/RELIABILITY.md"
