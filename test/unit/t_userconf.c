/*
 * t_userconf.c: unit tests for ftpd/userconf.c (root templates) and
 * ftpd/ratelimit.c (the transfer rate schedule).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ratelimit.h"
#include "runner.h"
#include "userconf.h"

TEST(expand_user_name)
{
	char out[64];

	ASSERT_EQ_INT(userconf_expand("/srv/ftp/%u", "alice", out, sizeof(out)), 0);
	ASSERT_EQ_STR(out, "/srv/ftp/alice");
	ASSERT_EQ_INT(userconf_expand("/a/%u/b/%u", "x", out, sizeof(out)), 0);
	ASSERT_EQ_STR(out, "/a/x/b/x");
	ASSERT_EQ_INT(userconf_expand("/100%%/%u", "y", out, sizeof(out)), 0);
	ASSERT_EQ_STR(out, "/100%/y");
	ASSERT_EQ_INT(userconf_expand("/srv/ftp", "alice", out, sizeof(out)), 0);
	ASSERT_EQ_STR(out, "/srv/ftp");
}

TEST(expand_refuses_escaping_names)
{
	char out[64];

	ASSERT_EQ_INT(userconf_expand("/srv/%u", "..", out, sizeof(out)), -1);
	ASSERT_EQ_INT(userconf_expand("/srv/%u", ".", out, sizeof(out)), -1);
	ASSERT_EQ_INT(userconf_expand("/srv/%u", "", out, sizeof(out)), -1);
	ASSERT_EQ_INT(userconf_expand("/srv/%u", "a/../../etc", out, sizeof(out)), -1);
	/* a name that is not substituted cannot escape: the template stands */
	ASSERT_EQ_INT(userconf_expand("/srv/x", "..", out, sizeof(out)), 0);
}

TEST(expand_refuses_bad_templates)
{
	char out[16];

	ASSERT_EQ_INT(userconf_expand("/srv/%d", "a", out, sizeof(out)), -1);
	ASSERT_EQ_INT(userconf_expand("/srv/%", "a", out, sizeof(out)), -1);
	ASSERT_EQ_INT(userconf_expand("/srv/%u", "a-name-too-long", out, sizeof(out)), -1);
}

TEST(rate_chunks)
{
	struct ratelimit rl;

	rl_start(&rl, 0);
	ASSERT_EQ_INT(rl_chunk(&rl, 1 << 20), 1 << 20);
	rl_start(&rl, 1000000);
	ASSERT_EQ_INT(rl_chunk(&rl, 1 << 20), 50000);	/* a twentieth of a second */
	ASSERT_EQ_INT(rl_chunk(&rl, 100), 100);
	rl_start(&rl, 100);
	ASSERT_EQ_INT(rl_chunk(&rl, 65536), 512);		/* never tiny steps */
	ASSERT_EQ_INT(rl_chunk(&rl, 1), 1);
	rl_start(&rl, (long long)RATE_MAX * 10);
	ASSERT_EQ_INT(rl.rate, RATE_MAX);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(rate_schedule_sleeps)
{
	struct ratelimit rl;
	double t0, secs;
	int i;

	/* 100 kB at 200 kB/s: half a second, whatever the step */
	t0 = now_s();
	rl_start(&rl, 200000);
	for (i = 0; i < 20; i++)
		rl_account(&rl, 5000);
	secs = now_s() - t0;
	ASSERT_TRUE(secs >= 0.49 && secs < 0.6);
	/* no limit: no sleep */
	t0 = now_s();
	rl_start(&rl, 0);
	for (i = 0; i < 1000; i++)
		rl_account(&rl, 1 << 20);
	ASSERT_TRUE(now_s() - t0 < 0.05);
}

TEST(rate_credit_is_bounded)
{
	struct ratelimit rl;
	double t0, secs;

	/* a transfer 3 s behind its schedule catches up by half a second only */
	rl_start(&rl, 100000);
	rl.start_ns -= 3000000000LL;
	rl_account(&rl, 1000);
	t0 = now_s();
	rl_account(&rl, 100000);	/* 1 s worth, 0.5 s of credit left */
	secs = now_s() - t0;
	ASSERT_TRUE(secs >= 0.45 && secs < 0.6);
}
