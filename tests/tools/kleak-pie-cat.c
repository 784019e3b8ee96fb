// SPDX-License-Identifier: GPL-2.0
/*
 * kleak-pie-cat: cat(1) as a static PIE binary, for the guest tests.
 *
 * Busybox-static is ET_EXEC: every busybox process runs at the same
 * addresses, so a kernel stack that ended in a user-space address still
 * grouped under busybox.  Debian's own binaries are PIE, and under ASLR
 * (randomize_va_space 2) each process maps at new addresses.  This one is
 * built with gcc -static-pie, so that it runs in the busybox guest with no
 * loader and still moves with every exec.
 *
 *   kleak-pie-cat [FILE...]   copy each FILE (or stdin) to stdout
 *   kleak-pie-cat --where     print the address of main (it moves per run)
 *   kleak-pie-cat --help
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return 1;
	return n < 0;
}

int main(int argc, char **argv)
{
	int i, fd, rc = 0;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		puts("usage: kleak-pie-cat [FILE...] | --where\n"
		     "cat(1) as a static PIE binary: each run maps at new addresses");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--where")) {
		printf("%p\n", (void *)main);
		return 0;
	}
	if (argc == 1)
		return copy(0);
	for (i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		rc |= copy(fd);
		close(fd);
	}
	return rc;
}
