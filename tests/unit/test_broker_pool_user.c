/* Personal desktop names (tools/broker/broker_pool_user.c) as a case table:
 * hostile user names become names safe for a file and a libvirt domain,
 * and no two user names (nor two pools) share one. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "broker_pool_state.h"
#include "broker_pool_user.h"

static const struct {
	const char *pool, *user, *want; /* want NULL: refused */
} cases[] = {
    {"lab", "alice", "lab+alice"},
    {"lab", "bob-2", "lab+bob-2"},
    {"lab", "0", "lab+0"},
    /* case is kept: the users file tells Alice from alice */
    {"lab", "Alice", "lab+_ifwgsy3f"},
    {"lab", "a", "lab+a"},
    {"lab", "_", "lab+_l4"},
    {"lab", "a.b", "lab+_mexge"},
    {"lab", "../../etc/passwd", "lab+_fyxc6lrof5sxiyzpobqxg43xmq"},
    {"lab", "x y", "lab+_paqhs"},
    {"lab", "a/b", "lab+_mexwe"},
    {"lab", "\xc3\xa9t\xc3\xa9", "lab+_youxjq5j"},
    {"lab", "me@corp.example", "lab+_nvsuay3pojyc4zlymfwxa3df"},
    {"lab", "", NULL},
    {"lab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL},
};

static void test_cases(void)
{
	char out[BROKER_POOL_USER_NAME_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int r = broker_pool_user_name(cases[i].pool, cases[i].user, out, sizeof(out));

		if (!cases[i].want) {
			g_assert_cmpint(r, ==, -1);
			continue;
		}
		g_assert_cmpint(r, ==, 0);
		g_assert_cmpstr(out, ==, cases[i].want);
	}
}

/* Every name is made of A-Z a-z 0-9 . _ + - only, is never "<pool>-<N>"
 * (a one-time VM of any pool), and fits a file name with ".qcow2", also
 * for the longest pool name and the worst user name. */
static void test_safe(void)
{
	char pool[64], user[BROKER_POOL_USER_MAX + 1], out[BROKER_POOL_USER_NAME_MAX];

	memset(pool, 'p', 63);
	pool[63] = '\0';
	for (int c = 1; c < 256; c++) {
		memset(user, c, BROKER_POOL_USER_MAX);
		user[BROKER_POOL_USER_MAX] = '\0';
		g_assert_cmpint(broker_pool_user_name(pool, user, out, sizeof(out)), ==, 0);
		g_assert_cmpuint(strlen(out) + strlen(".qcow2"), <=, 255);
		g_assert_cmpuint(strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789._+-"),
				 ==, strlen(out));
		g_assert_false(broker_pool_state_is_ours(pool, out));
	}
	g_assert_cmpint(broker_pool_user_name("lab", "alice", out, 9), ==, -1);
	g_assert_cmpint(broker_pool_user_name("lab", "alice", out, 10), ==, 0);
	g_assert_cmpint(broker_pool_user_name("lab", "x y", out, 10), ==, -1);
}

/* No two user names share a name: all names of up to two bytes from a
 * set with the characters the forms use (and the escape itself). */
static void test_distinct(void)
{
	static const char set[] = "aAz09-_.+/ \xc3\xa9";
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	size_t n = strlen(set);
	char user[3], out[BROKER_POOL_USER_NAME_MAX];

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j <= n; j++) {
			user[0] = set[i];
			user[1] = j < n ? set[j] : '\0';
			user[2] = '\0';
			g_assert_cmpint(broker_pool_user_name("lab", user, out, sizeof(out)), ==,
					0);
			g_assert_null(g_hash_table_lookup(seen, out));
			g_hash_table_insert(seen, g_strdup(out), g_strdup(user));
		}
	}
	/* pools: "a" with user "b-1" is not pool "a+b" (no '+' in pool names) */
	g_assert_cmpint(broker_pool_user_name("lab", "x", out, sizeof(out)), ==, 0);
	g_assert_cmpstr(out, !=, "lab-x");
	g_hash_table_destroy(seen);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pool_user/cases", test_cases);
	g_test_add_func("/pool_user/safe", test_safe);
	g_test_add_func("/pool_user/distinct", test_distinct);
	return g_test_run();
}
