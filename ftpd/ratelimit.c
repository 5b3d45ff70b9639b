/*
 * ratelimit.c: keep one data transfer at a configured rate.
 *
 * The transfer process moves its bytes in steps of rl_chunk() and calls
 * rl_account() after each: the schedule says byte B may leave (or be read)
 * at start + B / rate, and the process sleeps until then.  The schedule is
 * absolute, so rounding and scheduling delays do not add up over a long
 * transfer; what falls behind may catch up only a little (RL_CREDIT_NS), so
 * a stalled client does not get a burst afterwards.  Used for downloads and
 * uploads, clear and TLS, and for the sendfile path (one rl_chunk() per call).
 * Sleeps only; never spins, never touches the control connection.
 */
#include <errno.h>
#include <time.h>

#include "ratelimit.h"

#define RL_STEPS	20		/* steps per second of transfer */
#define RL_MIN_CHUNK	512		/* bytes: smaller steps cost more than they smooth */
#define RL_CREDIT_NS	500000000LL	/* how far behind schedule a transfer may catch up */
#define NS		1000000000LL

/* CLOCK_MONOTONIC in nanoseconds. */
static int64_t
rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

void
rl_start(struct ratelimit *rl, long long rate)
{
	rl->rate = rate > 0 ? (rate > RATE_MAX ? RATE_MAX : rate) : 0;
	rl->bytes = 0;
	rl->start_ns = rl_now();
}

size_t
rl_chunk(const struct ratelimit *rl, size_t want)
{
	long long step;

	if (rl->rate == 0)
		return want;
	step = rl->rate / RL_STEPS;
	if (step < RL_MIN_CHUNK)
		step = RL_MIN_CHUNK;
	return (unsigned long long)step < want ? (size_t)step : want;
}

void
rl_account(struct ratelimit *rl, size_t n)
{
	struct timespec ts;
	int64_t due, now;

	if (rl->rate == 0 || n == 0)
		return;
	rl->bytes += (long long)n;
	/* rate <= RATE_MAX: (bytes % rate) * NS stays below 2^63 */
	due = rl->start_ns + (rl->bytes / rl->rate) * NS + (rl->bytes % rl->rate) * NS / rl->rate;
	now = rl_now();
	if (due < now - RL_CREDIT_NS) {
		rl->start_ns += now - RL_CREDIT_NS - due;	/* forget the older credit */
		return;
	}
	if (due <= now)
		return;
	ts.tv_sec = (time_t)(due / NS);
	ts.tv_nsec = (long)(due % NS);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
