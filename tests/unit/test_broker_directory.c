/* The directory client against a real slapd, below the HTTP layer: the
 * broker's request parser refuses user names with LDAP's special
 * characters before they get here, so this is where the escaping of
 * hostile names (RFC 4515 filters, RFC 4514 DNs) is proved end to end, and
 * where the group list is read back. tests/broker/test-directory.sh runs
 * it with VDI_LDAP_SEARCH_CONF (search-then-bind) and VDI_LDAP_DN_CONF (a
 * DN template) naming settings files for its slapd, and VDI_LDAP_HANG_CONF
 * for a listener that never answers; without them those cases are
 * skipped. */
#include <glib.h>
#include <string.h>

#include "broker_directory.h"
#include "log.h"

static struct broker_directory *dir_open(const char *var)
{
	const char *path = g_getenv(var);
	struct broker_directory *d;
	char err[512];

	if (!path) {
		g_test_skip("no test directory (tests/broker/test-directory.sh sets one)");
		return NULL;
	}
	d = broker_directory_new(path, err, sizeof(err));
	if (!d)
		g_error("%s", err);
	return d;
}

static enum broker_directory_result dir_try(struct broker_directory *d, const char *user,
					    const char *pw, struct broker_login_who *who)
{
	broker_login_who_clear(who);
	return broker_directory_check(d, user, pw, who);
}

/* Names that would match alice (or every entry) in an unescaped filter;
 * each with alice's password, so that an injection would log in. */
static const char *const hostile_filter_names[] = {
    "al*", "a*e", "*", "*)(uid=alice", "alice)(uid=*", "alice)(|(uid=*", "\\2a", "al\\2a",
};

static void test_search(void)
{
	struct broker_directory *d = dir_open("VDI_LDAP_SEARCH_CONF");
	struct broker_login_who who = {0};
	size_t i;

	if (!d)
		return;
	g_assert_cmpint(dir_try(d, "alice", "alice-pw", &who), ==, BROKER_DIRECTORY_OK);
	g_assert_cmpstr(who.user, ==, "alice");
	g_assert_cmpuint(who.n_groups, ==, 2);
	g_assert_cmpstr(who.groups[0], ==, "staff");
	g_assert_cmpstr(who.groups[1], ==, "pool-users");
	g_assert_cmpint(dir_try(d, "ALICE", "alice-pw", &who), ==, BROKER_DIRECTORY_OK);
	g_assert_cmpstr(who.user, ==, "alice"); /* the directory's spelling */
	g_assert_cmpint(dir_try(d, "bob", "bob-pw", &who), ==, BROKER_DIRECTORY_OK);
	g_assert_cmpuint(who.n_groups, ==, 0);
	g_assert_cmpint(dir_try(d, "alice", "wrong", &who), ==, BROKER_DIRECTORY_FAILED);
	g_assert_cmpuint(who.n_groups, ==, 0);
	g_assert_cmpint(dir_try(d, "nobody", "alice-pw", &who), ==, BROKER_DIRECTORY_FAILED);
	g_assert_cmpint(dir_try(d, "alice", "", &who), ==, BROKER_DIRECTORY_FAILED);
	g_assert_cmpint(dir_try(d, "carol", "carol-pw", &who), ==, BROKER_DIRECTORY_LOCKED);
	g_assert_cmpstr(who.reason, ==, "Account locked");
	for (i = 0; i < G_N_ELEMENTS(hostile_filter_names); i++) {
		g_test_message("hostile name %s", hostile_filter_names[i]);
		g_assert_cmpint(dir_try(d, hostile_filter_names[i], "alice-pw", &who), ==,
				BROKER_DIRECTORY_FAILED);
	}
	broker_login_who_clear(&who);
	broker_directory_free(d);
}

static void test_dn_template(void)
{
	struct broker_directory *d = dir_open("VDI_LDAP_DN_CONF");
	struct broker_login_who who = {0};

	if (!d)
		return;
	g_assert_cmpint(dir_try(d, "alice", "alice-pw", &who), ==, BROKER_DIRECTORY_OK);
	g_assert_cmpstr(who.user, ==, "alice");
	g_assert_cmpuint(who.n_groups, ==, 2);
	/* uid=a\,b: the comma stays in the value. */
	g_assert_cmpint(dir_try(d, "a,b", "comma-pw", &who), ==, BROKER_DIRECTORY_OK);
	g_assert_cmpstr(who.user, ==, "a,b");
	/* A name that would move the DN to alice's entry if the comma and
	 * the equals sign were not escaped. */
	g_assert_cmpint(dir_try(d, "alice,ou=people,dc=example,dc=org", "alice-pw", &who), ==,
			BROKER_DIRECTORY_FAILED);
	g_assert_cmpint(dir_try(d, "alice", "nope", &who), ==, BROKER_DIRECTORY_FAILED);
	g_assert_cmpint(dir_try(d, "carol", "carol-pw", &who), ==, BROKER_DIRECTORY_LOCKED);
	broker_login_who_clear(&who);
	broker_directory_free(d);
}

struct hang_call {
	struct broker_directory *d;
	enum broker_directory_result res;
};

static gpointer hang_thread(gpointer arg)
{
	struct hang_call *c = arg;
	struct broker_login_who who = {0};

	c->res = broker_directory_check(c->d, "alice", "alice-pw", &who);
	broker_login_who_clear(&who);
	return NULL;
}

/* A directory that accepts and never answers (max_inflight = 1, timeout =
 * 2): the check in flight holds the only slot, so a second is unavailable
 * at once; the first ends unavailable within the time-out; and right after
 * it, the next check is unavailable at once too (held off for the
 * time-out) instead of waiting again. */
static void test_hang(void)
{
	struct broker_directory *d = dir_open("VDI_LDAP_HANG_CONF");
	struct broker_login_who who = {0};
	struct hang_call c;
	GThread *t;
	gint64 t0, ms;

	if (!d)
		return;
	g_assert_cmpuint(broker_directory_conf(d)->max_inflight, ==, 1);
	c = (struct hang_call){d, BROKER_DIRECTORY_OK};
	t0 = g_get_monotonic_time();
	t = g_thread_new("hang", hang_thread, &c);
	g_usleep(300 * 1000);
	g_assert_cmpint(dir_try(d, "bob", "bob-pw", &who), ==, BROKER_DIRECTORY_UNAVAILABLE);
	ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_cmpint(ms, <, 1000); /* at once, not after the time-out */
	g_thread_join(t);
	ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_cmpint(c.res, ==, BROKER_DIRECTORY_UNAVAILABLE);
	g_assert_cmpint(ms, >=, 1900);
	g_assert_cmpint(ms, <, 4000);
	t0 = g_get_monotonic_time();
	g_assert_cmpint(dir_try(d, "bob", "bob-pw", &who), ==, BROKER_DIRECTORY_UNAVAILABLE);
	g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 500);
	broker_directory_free(d);
}

static void test_sanitise(void)
{
	char out[8];

	broker_directory_sanitise("a\nb\x1b[c", out, sizeof(out));
	g_assert_cmpstr(out, ==, "a?b?[c");
	broker_directory_sanitise("0123456789", out, sizeof(out));
	g_assert_cmpstr(out, ==, "0123456");
	broker_directory_sanitise("\xc3\xa9 ", out, sizeof(out));
	g_assert_cmpstr(out, ==, "??");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	log_init("test_broker_directory", LOG_ERROR);
	g_test_add_func("/broker_directory/sanitise", test_sanitise);
	g_test_add_func("/broker_directory/search", test_search);
	g_test_add_func("/broker_directory/dn_template", test_dn_template);
	g_test_add_func("/broker_directory/hang", test_hang);
	return g_test_run();
}
