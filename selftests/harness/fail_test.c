// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test program: one test passes, one fails, one is skipped. The VM runner
 * must count exactly "1 passed, 1 failed, 1 skipped" for it, name the failing test and
 * fail the run (scripts/harness-selftest.sh checks all of that).
 */
#include "kselftest_harness.h"

TEST(passes)
{
	ASSERT_EQ(2, 1 + 1);
}

TEST(fails_on_purpose)
{
	EXPECT_EQ(1, 2) {
		TH_LOG("deliberate failure: the harness must report it");
	}
}

TEST(skips)
{
	SKIP(return, "deliberate skip: the harness must count it as skipped");
}

TEST_HARNESS_MAIN
