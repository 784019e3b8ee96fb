// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed self-test: a module that WARNs when loaded.  `make check` expects
 * the WARNING to be caught in the guest log and reported as a failure.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init kleak_selftest_warn_init(void)
{
	WARN(1, "kleak_selftest: planted WARNING, the bed must report this\n");
	return 0;
}

static void __exit kleak_selftest_warn_exit(void)
{
}

module_init(kleak_selftest_warn_init);
module_exit(kleak_selftest_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kleak test bed self-test: a module that WARNs");
