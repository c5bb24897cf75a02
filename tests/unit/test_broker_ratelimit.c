/* The login failure limiter (tools/broker/broker_login.c), driven with a
 * fake clock: scripts of (time, action, key) → expected wait. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "broker_login.h"

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

	g_assert_cmpint(broker_login_attempt(l, "52:54:00:00:00:01", "ann", "pw", 0, &retry), ==,
			BROKER_LOGIN_UNAVAILABLE);
	g_assert_cmpuint(retry, ==, 0);
	broker_login_free(l);

	l = broker_login_new("/nonexistent/users", &p);
	g_assert_cmpint(broker_login_attempt(l, "52:54:00:00:00:01", "ann", "pw", 0, &retry), ==,
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
	g_test_add_func("/broker/login/unavailable", test_login_unavailable);
	return g_test_run();
}
