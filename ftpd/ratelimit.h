/*
 * ratelimit.h: bandwidth limits for one data transfer (local_max_rate,
 * anon_max_rate), see ratelimit.c.
 */
#ifndef FTPD_RATELIMIT_H
#define FTPD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* The largest rate a setting may ask for (bytes per second), so that the
 * schedule's arithmetic cannot overflow. */
#define RATE_MAX	1000000000L

struct ratelimit {
	long long	 rate;		/* bytes per second; 0: no limit */
	long long	 bytes;		/* moved since start */
	int64_t		 start_ns;	/* CLOCK_MONOTONIC when the schedule began */
};

/* Start RL's schedule now at RATE bytes per second (0: no limit). */
void	 rl_start(struct ratelimit *rl, long long rate);
/*
 * How many of WANT bytes to move in one step: a twentieth of a second's worth
 * (at least RL_MIN_CHUNK), so that a transfer moves in small even steps.
 * WANT itself without a limit.  Never 0 when WANT is not.
 */
size_t	 rl_chunk(const struct ratelimit *rl, size_t want);
/*
 * N more bytes were moved: sleep (clock_nanosleep, no busy waiting) until the
 * schedule allows them.  A transfer that fell behind (a slow client or disk)
 * may catch up by at most RL_CREDIT_NS worth of bytes.  No-op without a limit.
 */
void	 rl_account(struct ratelimit *rl, size_t n);

#endif
