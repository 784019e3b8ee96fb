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
 *   kleak-poke as UID PROG [ARGS]                 run PROG as user and group UID
 *   kleak-poke fuzz control|object FILE N SEED [ADDR...]
 *                                                 N fuzzed writes (see fuzz())
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
#include <grp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: kleak-poke [--fail-nth N] write FILE STRING\n"
	      "       kleak-poke [--fail-nth N] insmod KO [PARAMS]\n"
	      "       kleak-poke [--fail-nth N] rmmod NAME\n"
	      "       kleak-poke [--fail-nth N] read FILE\n"
	      "       kleak-poke lseek FILE\n"
	      "       kleak-poke as UID PROG [ARGS]\n"
	      "       kleak-poke fuzz control|object FILE N SEED [ADDR...]\n"
	      "One system call, with a fault injected into its Nth allocation.\n", f);
}

/* ---- fuzz --------------------------------------------------------------- */

static unsigned long long rng;

static unsigned int rnd(unsigned int n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (unsigned int)(rng >> 33) % n : 0;
}

static const char * const valid_control[] = {
	"start", "stop", "clear", "mark", "unmark", "filter reset",
	"filter size=4096", "filter size=64-128", "filter size=", "filter comm=sh",
	"filter pid=1", "filter module=kleak_fixture", "filter min_age=5s",
	"filter cache=kmalloc-64", "filter size=32 comm=init min_age=1m",
};
static const char * const keys[] = { "size", "cache", "comm", "pid", "module", "min_age" };
static const char * const numbers[] = {
	"18446744073709551615", "18446744073709551616", "99999999999999999999999",
	"-1", "-9223372036854775808", "4294967296", "0x", "0xffffffffffffffff",
	"18446744073710", "5124095576h", "1e9", "+5", "7-3", "1--2", "0-0", "00000000000000000001",
};

/* what a refused write may fail with */
static int allowed(int e) { return e == EINVAL || e == EFAULT || e == ENOENT; }

/* A readback of control, its "mark: N ms ago" made stable. */
static void readback(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
	char *m;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	m = strstr(buf, "mark: ");
	if (m && m[6] >= '0' && m[6] <= '9') {
		char *e = strchr(m, '\n');

		if (e)
			memmove(m + 10, e, strlen(e) + 1), memcpy(m, "mark: set ", 10);
	}
}

/*
 * One fuzzed command in @b (at most @max bytes): its length, or -1 for a
 * write from a bad user pointer.  @kind counts which generator made it.
 */
static long gen(char *b, size_t max, int object, char **addrs, int naddrs, int *kind)
{
	size_t n = 0, i, l;
	const char *v;

	*kind = rnd(8);
	switch (*kind) {
	case 0:	/* random bytes */
		n = 1 + rnd(300);
		for (i = 0; i < n; i++)
			b[i] = rnd(256);
		return n;
	case 1:	/* overlong lines, 256 B to 1 MiB */
		n = 256 + rnd(1 << 20);
		n = n > max ? max : n;
		for (i = 0; i < n; i++)
			b[i] = "filter size=1 "[i % 14];
		return n;
	case 2:	/* a valid command (or address), mutated */
		v = object ? (naddrs ? addrs[rnd(naddrs)] : "0xffff888000000000") :
			valid_control[rnd(sizeof(valid_control) / sizeof(*valid_control))];
		n = strlen(v);
		memcpy(b, v, n);
		for (l = 1 + rnd(3); l; l--) {
			i = rnd(n + 1);
			switch (rnd(4)) {
			case 0: if (i < n) b[i] ^= 1 << rnd(8); break;
			case 1: memmove(b + i + 1, b + i, n - i); b[i] = rnd(256); n++; break;
			case 2: if (i < n) { memmove(b + i, b + i + 1, n - i - 1); n--; } break;
			case 3: if (n < 200) { memcpy(b + n, b, n); n *= 2; } break;
			}
		}
		return n;
	case 3:	/* out-of-range numbers */
		v = numbers[rnd(sizeof(numbers) / sizeof(*numbers))];
		n = object ? (size_t)sprintf(b, "%s", v) :
			(size_t)sprintf(b, "filter %s=%s", keys[rnd(6)], v);
		return n;
	case 4:	/* a partial write: a prefix of a valid command */
		v = object ? (naddrs ? addrs[rnd(naddrs)] : "0xffff888000000000") :
			valid_control[rnd(sizeof(valid_control) / sizeof(*valid_control))];
		n = rnd(strlen(v));
		memcpy(b, v, n);
		return n;
	case 5:	/* an embedded NUL, then junk */
		v = object ? (naddrs ? addrs[rnd(naddrs)] : "0x1") : valid_control[rnd(5)];
		n = strlen(v);
		memcpy(b, v, n);
		b[n++] = '\0';
		for (l = 1 + rnd(8); l; l--)
			b[n++] = 'a' + rnd(26);
		return n;
	case 6:	/* a bad user pointer */
		return -1;
	default: /* many filters at once */
		n = (size_t)sprintf(b, "filter");
		for (l = 1 + rnd(40); l && n < 900; l--)
			n += (size_t)sprintf(b + n, " %s=%u", keys[rnd(6)], rnd(5000));
		return n;
	}
}

/*
 * fuzz KIND FILE N SEED [ADDR...]: N writes to a kleak file.  Every
 * refused write must fail with EINVAL, EFAULT or ENOENT, and (control)
 * leave the readback as it was.  Prints the counts; exit 1 on a breach.
 */
static int fuzz(int argc, char **argv)
{
	static char b[(1 << 20) + 1024], before[4096], after[4096];
	int object = !strcmp(argv[2], "object"), kind, bad = 0, changed = 0;
	long n, count = atol(argv[4]), i, acc = 0, einval = 0, efault = 0, enoent = 0;
	long kinds[8] = { 0 };
	char *nopage = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *path = argv[3];
	int fd = open(path, O_WRONLY);

	if (fd < 0 || nopage == MAP_FAILED) {
		perror("kleak-poke fuzz");
		return 2;
	}
	rng = strtoull(argv[5], NULL, 0) ^ 0x9e3779b97f4a7c15ULL;
	if (!object)
		readback(path, before, sizeof(before));
	for (i = 0; i < count; i++) {
		ssize_t r;

		n = gen(b, sizeof(b) - 64, object, argv + 6, argc - 6, &kind);
		kinds[kind]++;
		errno = 0;
		if (n < 0)
			r = write(fd, rnd(2) ? nopage : (char *)(unsigned long)(8 + rnd(4096)), 1 + rnd(64));
		else
			r = write(fd, b, n);
		if (r >= 0) {
			acc++;
			if (!object)
				readback(path, before, sizeof(before));
			continue;
		}
		einval += errno == EINVAL;
		efault += errno == EFAULT;
		enoent += errno == ENOENT;
		if (!allowed(errno)) {
			if (bad++ < 5)
				printf("write %ld (kind %d, %ld bytes) failed with errno %d\n",
				       i, kind, n, errno);
			continue;
		}
		if (!object) {
			readback(path, after, sizeof(after));
			if (strcmp(before, after) && changed++ < 5)
				printf("refused write %ld (kind %d) changed control:\n%s---\n%s",
				       i, kind, before, after);
		}
	}
	printf("fuzz %s: writes=%ld accepted=%ld einval=%ld efault=%ld enoent=%ld other=%d changed=%d"
	       " random=%ld overlong=%ld mutated=%ld numbers=%ld partial=%ld nul=%ld badptr=%ld filters=%ld\n",
	       argv[2], count, acc, einval, efault, enoent, bad, changed, kinds[0], kinds[1],
	       kinds[2], kinds[3], kinds[4], kinds[5], kinds[6], kinds[7]);
	return bad || changed;
}

/* as UID PROG [ARGS]: drop every privilege to UID (user and group), exec */
static int as_user(char **argv)
{
	uid_t id = (uid_t)atoi(argv[2]);

	if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id)) {
		perror("kleak-poke as");
		return 2;
	}
	execvp(argv[3], argv + 3);
	perror("kleak-poke as: exec");
	return 2;
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
	if (!strcmp(argv[1], "as") && argc > 3)
		return as_user(argv);
	if (!strcmp(argv[1], "fuzz") && argc > 5)
		return fuzz(argc, argv);
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
