/* Broker logins: the password check and the limit on guessing.
 *
 * Failures are counted per key: the station's MAC, the user name and the
 * client address (an IPv6 address by its /64) are three separate keys, so
 * guessing many passwords for one user from many stations, and many users
 * from one station or one address (whatever MAC it claims), are all slowed
 * down. An address may fail BROKER_LOGIN_ADDR_FACTOR times as often as a
 * user or a MAC before it is blocked. After max_failures
 * failures within window seconds a key is blocked for block seconds; every
 * further block of the same key doubles, up to max_block. A key with no
 * failure for max_block seconds starts over. A success clears the key.
 * While a key is blocked, attempts are refused without checking the
 * password, so a blocked guesser learns nothing and costs no hashing.
 *
 * The tables are bounded (max_keys each). Keys that were never blocked make
 * room for each other, least recently failed first; a key that has been
 * blocked is kept apart and only another blocked key can push it out, so a
 * flood of failures with new names cannot erase a real block or its
 * doubling.
 *
 * The limiter takes "now" as a parameter (monotonic seconds) so that tests
 * can drive time. It is thread-safe. */
#ifndef BROKER_LOGIN_H
#define BROKER_LOGIN_H

#include <stddef.h>
#include <time.h>

#include "netaddr.h"

#define BROKER_LOGIN_ADDR_FACTOR 4

struct broker_ratelimit_params {
	unsigned max_failures; /* per window, then blocked */
	unsigned window;       /* seconds */
	unsigned block;	       /* first block, seconds */
	unsigned max_block;    /* cap of the doubling, seconds */
	size_t max_keys;       /* per table (plain and blocked keys) */
};

#define BROKER_RATELIMIT_DEFAULTS                                                                  \
	{                                                                                          \
		5, 300, 60, 3600, 10000                                                            \
	}

struct broker_ratelimit;

struct broker_ratelimit *broker_ratelimit_new(const struct broker_ratelimit_params *p);
void broker_ratelimit_free(struct broker_ratelimit *rl);
/* Seconds until key may try again; 0 when it may try now. */
unsigned broker_ratelimit_check(struct broker_ratelimit *rl, const char *key, time_t now);
/* Counts a failure. Returns the block it caused (seconds), or 0. */
unsigned broker_ratelimit_fail(struct broker_ratelimit *rl, const char *key, time_t now);
void broker_ratelimit_success(struct broker_ratelimit *rl, const char *key);

enum broker_login_result {
	BROKER_LOGIN_OK,
	BROKER_LOGIN_FAILED,	  /* wrong user name or password */
	BROKER_LOGIN_LIMITED,	  /* too many failures; retry_after says when */
	BROKER_LOGIN_UNAVAILABLE, /* no users file, or it cannot be read */
};

struct broker_login;

/* users_path may be NULL: every login is then unavailable. */
struct broker_login *broker_login_new(const char *users_path,
				      const struct broker_ratelimit_params *p);
void broker_login_free(struct broker_login *l);
/* Checks the password against the users file unless the MAC, the user or
 * the client address ip is blocked. retry_after is set for
 * BROKER_LOGIN_LIMITED (and, for BROKER_LOGIN_FAILED, to the block that
 * failure caused, if any). */
enum broker_login_result broker_login_attempt(struct broker_login *l, const char *mac,
					      const struct ipaddr *ip, const char *user,
					      const char *password, time_t now,
					      unsigned *retry_after);
/* The same refusals as broker_login_attempt, without the password check:
 * BROKER_LOGIN_OK means "may try". Cheap, for the threads that answer
 * lookups, so that a blocked guesser never waits in the login pool's
 * queue nor fills it. */
enum broker_login_result broker_login_precheck(struct broker_login *l, const char *mac,
					       const struct ipaddr *ip, const char *user,
					       time_t now, unsigned *retry_after);
const char *broker_login_result_name(enum broker_login_result r);

#endif
