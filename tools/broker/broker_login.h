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
	BROKER_LOGIN_UNAVAILABLE, /* no back-end, a users file that cannot be read, or a
				   * directory down, hanging or too busy */
	BROKER_LOGIN_LOCKED,	  /* locked, expired or disabled: who->reason */
};

/* The back-end that decided an attempt. */
enum broker_login_backend {
	BROKER_LOGIN_BACKEND_NONE,
	BROKER_LOGIN_BACKEND_LOCAL,
	BROKER_LOGIN_BACKEND_DIRECTORY,
};

/* Who logged in, for the caller that picks the user's desktops: the
 * user's canonical name (the directory's own spelling, e.g. the
 * sAMAccountName of a userPrincipalName login; the typed name for the
 * users file) and the names of their groups (empty for the users file).
 * reason: the directory's reason for BROKER_LOGIN_LOCKED, printable ASCII,
 * or empty. All text is bounded and free of control characters. */
struct broker_login_who {
	char user[65];
	char **groups;
	size_t n_groups;
	char reason[256];
	enum broker_login_backend backend;
};

/* Frees the group list and empties w (safe on an emptied one). */
void broker_login_who_clear(struct broker_login_who *w);

struct broker_login;

/* users_path may be NULL: without a directory every login is then
 * unavailable. */
struct broker_login *broker_login_new(const char *users_path,
				      const struct broker_ratelimit_params *p);
/* Adds the directory back-end from a directory settings file
 * (directory_conf.h); its backends key sets the order with the users file.
 * Returns 0, or -1 with err (file:line). Call once, before logins. */
int broker_login_set_directory(struct broker_login *l, const char *path, char *err, size_t errlen);
void broker_login_free(struct broker_login *l);
/* Checks the password against the back-ends in their order unless the
 * MAC, the user or the client address ip is blocked: the first that knows
 * the user and password wins; a locked account stops the search; an
 * unreachable directory makes a refusal BROKER_LOGIN_UNAVAILABLE rather
 * than FAILED. retry_after is set for BROKER_LOGIN_LIMITED (and, for
 * BROKER_LOGIN_FAILED, to the block that failure caused, if any). who may
 * be NULL; otherwise it is filled (see above) and the caller clears it. */
enum broker_login_result broker_login_attempt(struct broker_login *l, const char *mac,
					      const struct ipaddr *ip, const char *user,
					      const char *password, time_t now,
					      unsigned *retry_after, struct broker_login_who *who);
/* The same refusals as broker_login_attempt, without the password check:
 * BROKER_LOGIN_OK means "may try". Cheap, for the threads that answer
 * lookups, so that a blocked guesser never waits in the login pool's
 * queue nor fills it. */
enum broker_login_result broker_login_precheck(struct broker_login *l, const char *mac,
					       const struct ipaddr *ip, const char *user,
					       time_t now, unsigned *retry_after);
const char *broker_login_result_name(enum broker_login_result r);

#endif
