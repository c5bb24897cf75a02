/* The login failure limiter (tools/broker/broker_login.c), driven with a
 * fake clock: scripts of (time, action, key) → expected wait. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "broker_login.h"
#include "users.h"

enum act { FAIL, CHECK, OK };

struct step {
	time_t t;
	enum act act;
	const char *key;
	unsigned want; /* FAIL: block caused; CHECK: wait */
};

struct script {
	const char *name;
	struct broker_ratelimit_params p;
	struct step steps[24];
};

#define P                                                                                          \
	{                                                                                          \
		5, 300, 60, 3600, 100                                                              \
	}
#define END                                                                                        \
	{                                                                                          \
		-1, CHECK, NULL, 0                                                                 \
	}

static const struct script scripts[] = {
    {"five failures block for the base time",
     P,
     {{0, FAIL, "u", 0},
      {1, FAIL, "u", 0},
      {2, FAIL, "u", 0},
      {3, FAIL, "u", 0},
      {3, CHECK, "u", 0},
      {4, FAIL, "u", 60},
      {4, CHECK, "u", 60},
      {30, CHECK, "u", 34},
      {63, CHECK, "u", 1},
      {64, CHECK, "u", 0},
      END}},
    {"keys are independent",
     P,
     {{0, FAIL, "a", 0},
      {0, FAIL, "a", 0},
      {0, FAIL, "a", 0},
      {0, FAIL, "a", 0},
      {0, FAIL, "a", 60},
      {0, CHECK, "b", 0},
      {0, CHECK, "a", 60},
      END}},
    {"failures spread over more than the window do not block",
     P,
     {{0, FAIL, "u", 0},
      {100, FAIL, "u", 0},
      {200, FAIL, "u", 0},
      {299, FAIL, "u", 0},
      {300, FAIL, "u", 0},
      {300, CHECK, "u", 0},
      END}},
    {"each new block doubles",
     P,
     {{0, FAIL, "u", 0},
      {0, FAIL, "u", 0},
      {0, FAIL, "u", 0},
      {0, FAIL, "u", 0},
      {0, FAIL, "u", 60},
      {60, FAIL, "u", 0},
      {60, FAIL, "u", 0},
      {60, FAIL, "u", 0},
      {60, FAIL, "u", 0},
      {60, FAIL, "u", 120},
      {100, CHECK, "u", 80},
      {180, FAIL, "u", 0},
      {180, FAIL, "u", 0},
      {180, FAIL, "u", 0},
      {180, FAIL, "u", 0},
      {180, FAIL, "u", 240},
      END}},
    {"doubling stops at max_block",
     {1, 300, 60, 200, 100},
     {{0, FAIL, "u", 60}, {60, FAIL, "u", 120}, {180, FAIL, "u", 200}, {380, FAIL, "u", 200}, END}},
    {"success clears the key",
     P,
     {{0, FAIL, "u", 0},
      {0, FAIL, "u", 0},
      {0, FAIL, "u", 0},
      {0, FAIL, "u", 0},
      {0, OK, "u", 0},
      {1, FAIL, "u", 0},
      {1, CHECK, "u", 0},
      END}},
    {"a quiet hour forgets the strikes",
     {1, 300, 60, 3600, 100},
     {{0, FAIL, "u", 60}, {60, FAIL, "u", 120}, {180 + 3600, FAIL, "u", 60}, END}},
};

static void test_script(gconstpointer data)
{
	const struct script *s = data;
	struct broker_ratelimit *rl = broker_ratelimit_new(&s->p);
	const struct step *st;
	unsigned got;
	size_t i;

	g_assert_nonnull(rl);
	for (i = 0; s->steps[i].key; i++) {
		st = &s->steps[i];
		got = 0;
		if (st->act == FAIL)
			got = broker_ratelimit_fail(rl, st->key, st->t);
		else if (st->act == CHECK)
			got = broker_ratelimit_check(rl, st->key, st->t);
		else
			broker_ratelimit_success(rl, st->key);
		if (got != st->want)
			g_test_fail_printf("step %zu (t=%lld): got %u, want %u", i,
					   (long long)st->t, got, st->want);
	}
	broker_ratelimit_free(rl);
}

/* A full table forgets the least recently used key, never grows. */
static void test_capacity(void)
{
	struct broker_ratelimit_params p = {1, 300, 60, 3600, 3};
	struct broker_ratelimit *rl = broker_ratelimit_new(&p);
	char key[16];
	int i;

	g_assert_cmpuint(broker_ratelimit_fail(rl, "k0", 0), ==, 60);
	for (i = 1; i <= 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		broker_ratelimit_fail(rl, key, 0);
	}
	/* k0 was pushed out by k1..k3. */
	g_assert_cmpuint(broker_ratelimit_check(rl, "k0", 1), ==, 0);
	g_assert_cmpuint(broker_ratelimit_check(rl, "k3", 1), ==, 59);
	broker_ratelimit_free(rl);
}

/* A flood of failures under new names (each once, never blocked) fills
 * the table; a real user's escalated block, and its doubling, survive it. */
static void test_flood_keeps_block(void)
{
	struct broker_ratelimit_params p = {5, 300, 60, 3600, 100};
	struct broker_ratelimit *rl = broker_ratelimit_new(&p);
	static const struct {
		time_t t;
		unsigned block;
	} rounds[] = {{0, 60}, {60, 120}, {180, 240}, {420, 480}};
	char key[32];
	unsigned block = 0;

	for (size_t r = 0; r < G_N_ELEMENTS(rounds); r++) {
		for (int i = 0; i < 5; i++)
			block = broker_ratelimit_fail(rl, "user:ann", rounds[r].t);
		g_assert_cmpuint(block, ==, rounds[r].block);
	}
	/* 100 times the table's size in one-off names, all at once. */
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "user:r%d", i);
		broker_ratelimit_fail(rl, key, 430);
	}
	g_assert_cmpuint(broker_ratelimit_check(rl, "user:ann", 430), ==, 470);
	/* The next block doubles again: 960 s, not a fresh 60 s. */
	for (int i = 0; i < 5; i++)
		block = broker_ratelimit_fail(rl, "user:ann", 900);
	g_assert_cmpuint(block, ==, 960);
	broker_ratelimit_free(rl);
}

/* One address trying one password against many user names, each from a
 * new MAC, is blocked by its address after 4 x max_failures; another
 * address is not, and the block names its wait. */
static void test_login_address(void)
{
	struct broker_ratelimit_params p = {5, 300, 60, 3600, 1000};
	g_autofree char *dir = g_dir_make_tmp("vdi-rl-XXXXXX", NULL);
	g_autofree char *users = g_build_filename(dir, "users", NULL);
	struct broker_login *l;
	struct broker_login_who who = {0};
	struct ipaddr a, b, v6a, v6b;
	char err[200], mac[32], user[32];
	unsigned retry = 0;
	int i;

	g_assert_cmpint(users_set(users, "ann", "right", err, sizeof(err)), ==, 0);
	l = broker_login_new(users, &p);
	g_assert_nonnull(l);
	g_assert_cmpint(ip_parse("127.0.0.2", &a), ==, 0);
	g_assert_cmpint(ip_parse("127.0.0.3", &b), ==, 0);
	for (i = 0; i < 5 * BROKER_LOGIN_ADDR_FACTOR; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", i);
		snprintf(user, sizeof(user), "guess%d", i);
		g_assert_cmpint(broker_login_attempt(l, mac, &a, user, "pw", 10, &retry, NULL), ==,
				BROKER_LOGIN_FAILED);
	}
	g_assert_cmpuint(retry, ==, 60);
	/* A new name, a new MAC, even the right password: the address waits. */
	g_assert_cmpint(
	    broker_login_attempt(l, "52:54:00:00:02:01", &a, "ann", "right", 11, &retry, NULL), ==,
	    BROKER_LOGIN_LIMITED);
	g_assert_cmpuint(retry, ==, 59);
	g_assert_cmpint(
	    broker_login_attempt(l, "52:54:00:00:02:02", &b, "ann", "right", 11, &retry, &who), ==,
	    BROKER_LOGIN_OK);
	/* Who logged in: the users file's name, no groups. */
	g_assert_cmpstr(who.user, ==, "ann");
	g_assert_cmpuint(who.n_groups, ==, 0);
	g_assert_cmpint(who.backend, ==, BROKER_LOGIN_BACKEND_LOCAL);
	broker_login_who_clear(&who);
	g_assert_cmpstr(who.user, ==, "");

	/* IPv6: the whole /64 is one address. */
	g_assert_cmpint(ip_parse("fd00:1:2:3::1", &v6a), ==, 0);
	g_assert_cmpint(ip_parse("fd00:1:2:3:ffff::2", &v6b), ==, 0);
	for (i = 0; i < 5 * BROKER_LOGIN_ADDR_FACTOR; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:00:03:%02x", i);
		snprintf(user, sizeof(user), "v6guess%d", i);
		broker_login_attempt(l, mac, i % 2 ? &v6a : &v6b, user, "pw", 20, &retry, NULL);
	}
	g_assert_cmpint(
	    broker_login_attempt(l, "52:54:00:00:04:01", &v6b, "ann", "right", 21, &retry, NULL),
	    ==, BROKER_LOGIN_LIMITED);
	broker_login_free(l);
	g_unlink(users);
	g_rmdir(dir);
}

/* Long keys are cut, not overflowed. */
static void test_long_key(void)
{
	struct broker_ratelimit_params p = P;
	struct broker_ratelimit *rl = broker_ratelimit_new(&p);
	char key[300];
	int i;

	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	for (i = 0; i < 5; i++)
		broker_ratelimit_fail(rl, key, 0);
	g_assert_cmpuint(broker_ratelimit_check(rl, "x", 0), ==, 0);
	broker_ratelimit_free(rl);
}

static void test_login_unavailable(void)
{
	struct broker_ratelimit_params p = P;
	struct broker_login *l = broker_login_new(NULL, &p);
	unsigned retry = 99;
	struct ipaddr ip;

	g_assert_cmpint(ip_parse("127.0.0.1", &ip), ==, 0);
	g_assert_cmpint(
	    broker_login_attempt(l, "52:54:00:00:00:01", &ip, "ann", "pw", 0, &retry, NULL), ==,
	    BROKER_LOGIN_UNAVAILABLE);
	g_assert_cmpuint(retry, ==, 0);
	broker_login_free(l);

	l = broker_login_new("/nonexistent/users", &p);
	g_assert_cmpint(
	    broker_login_attempt(l, "52:54:00:00:00:01", &ip, "ann", "pw", 0, &retry, NULL), ==,
	    BROKER_LOGIN_UNAVAILABLE);
	broker_login_free(l);
	g_assert_cmpstr(broker_login_result_name(BROKER_LOGIN_LIMITED), ==, "rate_limited");
}

int main(int argc, char **argv)
{
	size_t i;
	char *path;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	for (i = 0; i < G_N_ELEMENTS(scripts); i++) {
		path = g_strdup_printf("/broker/ratelimit/%s", scripts[i].name);
		g_test_add_data_func(path, &scripts[i], test_script);
		g_free(path);
	}
	g_test_add_func("/broker/ratelimit/capacity", test_capacity);
	g_test_add_func("/broker/ratelimit/long-key", test_long_key);
	g_test_add_func("/broker/ratelimit/flood-keeps-block", test_flood_keeps_block);
	g_test_add_func("/broker/login/address", test_login_address);
	g_test_add_func("/broker/login/unavailable", test_login_unavailable);
	return g_test_run();
}
