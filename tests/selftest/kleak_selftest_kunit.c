// SPDX-License-Identifier: GPL-2.0
/*
 * Test-bed self-test: a KUnit suite with one case that passes and one that
 * fails on purpose.  `make check` boots it and expects the failure to be
 * reported, so that the bed is known to be able to go red.
 */
#include <kunit/test.h>
#include <linux/module.h>

static void passing_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

static void failing_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, 1 + 1, 3, "planted failure: the bed must report this");
}

static struct kunit_case kleak_selftest_cases[] = {
	KUNIT_CASE(passing_case),
	KUNIT_CASE(failing_case),
	{}
};

static struct kunit_suite kleak_selftest_suite = {
	.name = "kleak_selftest",
	.test_cases = kleak_selftest_cases,
};

kunit_test_suite(kleak_selftest_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kleak test bed self-test: a KUnit case that must fail");
