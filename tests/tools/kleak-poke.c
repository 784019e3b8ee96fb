// SPDX-License-Identifier: GPL-2.0
/*
 * kleak-poke: one system call on a kleak file or module, optionally with
 * a fault injected into the Nth allocation it makes (fail-nth), for the
 * guest tests.  A static binary: the test initramfs has busybox only.
 *
 *   kleak-poke [--fail-nth N] write FILE STRING   one write(2) of STRING
 *   kleak-poke [--fail-nth N] insmod KO [PARAMS]  finit_module(2)
 *   kleak-poke [--fail-nth N] rmmod NAME          delete_module(2)
 *   kleak-poke [--fail-nth N] read FILE           open(2) and read(2) it all
 *   kleak-poke lseek FILE                         open write-only, lseek(2) to 0
 *
 * The file or module is opened before the fault is armed, so that N counts
 * the allocations of the call itself (for read, the open is part of it).  Prints "rc=0" or "rc=-ERRNO", and
 * with --fail-nth " injected=1" when the Nth allocation happened (and so
 * failed) or " injected=0" when the call made fewer than N.  Exit status:
 * 0 when the call succeeded, 1 when it failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: kleak-poke [--fail-nth N] write FILE STRING\n"
	      "       kleak-poke [--fail-nth N] insmod KO [PARAMS]\n"
	      "       kleak-poke [--fail-nth N] rmmod NAME\n"
	      "       kleak-poke [--fail-nth N] read FILE\n"
	      "       kleak-poke lseek FILE\n"
	      "One system call, with a fault injected into its Nth allocation.\n", f);
}

int main(int argc, char **argv)
{
	int nth = 0, fd = -1, nthfd = -1, injected = -1;
	long rc;
	char buf[32];

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--fail-nth")) {
		nth = atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "write") || !strcmp(argv[1], "lseek")) {
		fd = open(argv[2], O_WRONLY);
		if (fd < 0) {
			printf("rc=-%d (open)\n", errno);
			return 1;
		}
	} else if (!strcmp(argv[1], "insmod")) {
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("rc=-%d (open)\n", errno);
			return 1;
		}
	} else if (strcmp(argv[1], "rmmod") && strcmp(argv[1], "read")) {
		usage(stderr);
		return 2;
	}
	if (nth > 0) {
		nthfd = open("/proc/thread-self/fail-nth", O_RDWR);
		if (nthfd < 0) {
			perror("kleak-poke: /proc/thread-self/fail-nth");
			return 2;
		}
		snprintf(buf, sizeof(buf), "%d", nth);
		if (write(nthfd, buf, strlen(buf)) < 0) {
			perror("kleak-poke: fail-nth");
			return 2;
		}
	}
	errno = 0;
	if (!strcmp(argv[1], "write")) {
		rc = argc > 3 ? write(fd, argv[3], strlen(argv[3])) : -1;
	} else if (!strcmp(argv[1], "lseek")) {
		rc = lseek(fd, 0, SEEK_SET);
		if (rc >= 0)
			rc = lseek(fd, 0, SEEK_CUR);
	} else if (!strcmp(argv[1], "read")) {
		char chunk[4096];

		rc = fd = open(argv[2], O_RDONLY);
		while (rc >= 0 && (rc = read(fd, chunk, sizeof(chunk))) > 0)
			;
	} else if (!strcmp(argv[1], "insmod")) {
		rc = syscall(SYS_finit_module, fd, argc > 3 ? argv[3] : "", 0);
	} else {
		rc = syscall(SYS_delete_module, argv[2], O_NONBLOCK);
	}
	if (rc < 0)
		rc = -errno;
	if (nthfd >= 0) {
		ssize_t n = pread(nthfd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		injected = atoi(buf) == 0;
		if (write(nthfd, "0", 1) < 0)
			perror("kleak-poke: fail-nth");
	}
	printf("rc=%ld", rc < 0 ? rc : 0);
	if (injected >= 0)
		printf(" injected=%d", injected);
	printf("\n");
	return rc < 0;
}
