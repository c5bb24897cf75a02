/* The session limits' rule (client/launcher_limits.c): for a policy, the
 * session's age and the X server's idle time, what the station shows or
 * whether it ends the session; and the words it uses. A case table. */
#include <glib.h>

#include "launcher_limits.h"

#define S(x) ((guint64)(x)*1000) /* seconds as ms */

struct limits_case {
	const char *name;
	LauncherLimitsPolicy p;
	guint64 age_ms, idle_ms;
	LauncherLimitsKind want;
	guint left; /* warnings: seconds_left */
};

static const struct limits_case limits_cases[] = {
    /* Nothing set: never anything, however long or idle. */
    {"off", {0, 0, 60}, S(999999), S(999999), LAUNCHER_LIMITS_NONE, 0},
    /* max_session = 600, warning 60. */
    {"max: early", {600, 0, 60}, S(10), 0, LAUNCHER_LIMITS_NONE, 0},
    {"max: just before the warning", {600, 0, 60}, S(540) - 1, 0, LAUNCHER_LIMITS_NONE, 0},
    {"max: warning starts", {600, 0, 60}, S(540), 0, LAUNCHER_LIMITS_WARN_MAX, 60},
    {"max: warning rounds up", {600, 0, 60}, S(541) + 1, 0, LAUNCHER_LIMITS_WARN_MAX, 59},
    {"max: last ms", {600, 0, 60}, S(600) - 1, 0, LAUNCHER_LIMITS_WARN_MAX, 1},
    {"max: reached", {600, 0, 60}, S(600), 0, LAUNCHER_LIMITS_END_MAX, 0},
    {"max: long past", {600, 0, 60}, S(9000), 0, LAUNCHER_LIMITS_END_MAX, 0},
    /* Input does not take the length's warning back. */
    {"max: warning with input", {600, 0, 60}, S(570), 0, LAUNCHER_LIMITS_WARN_MAX, 30},
    /* idle_logout = 300, warning 60. */
    {"idle: busy", {0, 300, 60}, S(5000), S(2), LAUNCHER_LIMITS_NONE, 0},
    {"idle: before the warning", {0, 300, 60}, S(5000), S(239), LAUNCHER_LIMITS_NONE, 0},
    {"idle: warning", {0, 300, 60}, S(5000), S(242), LAUNCHER_LIMITS_WARN_IDLE, 58},
    {"idle: reached", {0, 300, 60}, S(5000), S(300), LAUNCHER_LIMITS_END_IDLE, 0},
    /* Input came (idle time back near 0): the warning is gone. */
    {"idle: input cancels", {0, 300, 60}, S(5000), 150, LAUNCHER_LIMITS_NONE, 0},
    /* Idle before the session (an untouched login screen) does not count. */
    {"idle: from the start", {0, 300, 60}, S(100), S(5000), LAUNCHER_LIMITS_NONE, 0},
    {"idle: from the start, warned", {0, 300, 60}, S(250), S(5000), LAUNCHER_LIMITS_WARN_IDLE, 50},
    /* Both: the one that ends first wins; at a tie, the length. */
    {"both: idle first", {600, 300, 60}, S(260), S(250), LAUNCHER_LIMITS_WARN_IDLE, 50},
    {"both: max first", {600, 300, 60}, S(580), S(250), LAUNCHER_LIMITS_WARN_MAX, 20},
    {"both: tie", {600, 300, 60}, S(560), S(260), LAUNCHER_LIMITS_WARN_MAX, 40},
    {"both: idle ends", {600, 300, 60}, S(400), S(300), LAUNCHER_LIMITS_END_IDLE, 0},
    {"both: max ends", {600, 300, 60}, S(600), S(299), LAUNCHER_LIMITS_END_MAX, 0},
    {"both: both reached", {600, 300, 60}, S(600), S(300), LAUNCHER_LIMITS_END_MAX, 0},
    /* A warning longer than the limit starts with the session. */
    {"warning > limit", {30, 0, 60}, 0, 0, LAUNCHER_LIMITS_WARN_MAX, 30},
    {"warning > idle", {0, 20, 60}, S(1), S(1), LAUNCHER_LIMITS_WARN_IDLE, 19},
    /* The test's own settings (tests/launcher/test-limits.sh). */
    {"test idle: warned", {0, 20, 10}, S(15), S(11), LAUNCHER_LIMITS_WARN_IDLE, 9},
    {"test idle: quiet", {0, 20, 10}, S(15), S(9), LAUNCHER_LIMITS_NONE, 0},
};

static void test_check(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(limits_cases); i++) {
		const struct limits_case *c = &limits_cases[i];
		LauncherLimitsVerdict v = launcher_limits_check(&c->p, c->age_ms, c->idle_ms);

		g_test_message("%s", c->name);
		g_assert_cmpint(v.kind, ==, c->want);
		if (c->want == LAUNCHER_LIMITS_WARN_MAX || c->want == LAUNCHER_LIMITS_WARN_IDLE)
			g_assert_cmpuint(v.seconds_left, ==, c->left);
	}
}

static void test_active(void)
{
	g_assert_false(launcher_limits_active(NULL));
	g_assert_false(launcher_limits_active(&(LauncherLimitsPolicy){0, 0, 60}));
	g_assert_true(launcher_limits_active(&(LauncherLimitsPolicy){1, 0, 60}));
	g_assert_true(launcher_limits_active(&(LauncherLimitsPolicy){0, 1, 60}));
	/* Nothing to watch: no watch, no timer. */
	g_assert_null(launcher_limits_new(&(LauncherLimitsPolicy){0, 0, 60}, NULL, NULL));
}

static const struct {
	guint seconds;
	const char *want;
} clock_cases[] = {
    {0, "0:00"},    {9, "0:09"},     {58, "0:58"},	{60, "1:00"},
    {720, "12:00"}, {3599, "59:59"}, {3600, "1:00:00"}, {86399, "23:59:59"},
};

static void test_clock(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(clock_cases); i++) {
		g_autofree char *s = launcher_limits_clock(clock_cases[i].seconds);
		g_assert_cmpstr(s, ==, clock_cases[i].want);
	}
}

static void test_texts(void)
{
	LauncherLimitsVerdict wm = {LAUNCHER_LIMITS_WARN_MAX, 58};
	LauncherLimitsVerdict wi = {LAUNCHER_LIMITS_WARN_IDLE, 58};
	LauncherLimitsVerdict none = {LAUNCHER_LIMITS_NONE, 0};
	LauncherLimitsPolicy five = {0, 300, 60}, one = {0, 60, 60}, odd = {0, 20, 10};
	g_autofree char *a = launcher_limits_warning_text(&wm);
	g_autofree char *b = launcher_limits_warning_text(&wi);
	g_autofree char *c = launcher_limits_ended_text(&five, LAUNCHER_LIMITS_END_IDLE);
	g_autofree char *d = launcher_limits_ended_text(&one, LAUNCHER_LIMITS_END_IDLE);
	g_autofree char *e = launcher_limits_ended_text(&odd, LAUNCHER_LIMITS_END_IDLE);
	g_autofree char *f = launcher_limits_ended_text(&five, LAUNCHER_LIMITS_END_MAX);

	g_assert_cmpstr(a, ==, "Your session ends in 0:58. Save your work now.");
	g_assert_cmpstr(b, ==,
			"You will be logged out in 0:58 because nothing was typed or clicked.\n"
			"Move the mouse or press a key to stay.");
	g_assert_null(launcher_limits_warning_text(&none));
	g_assert_cmpstr(c, ==, "You were logged out after 5 minutes without input.");
	g_assert_cmpstr(d, ==, "You were logged out after 1 minute without input.");
	g_assert_cmpstr(e, ==, "You were logged out after 20 seconds without input.");
	g_assert_cmpstr(f, ==, "Your session reached its time limit.");
	g_assert_cmpstr(launcher_limits_reason(LAUNCHER_LIMITS_END_MAX), ==, "max_session");
	g_assert_cmpstr(launcher_limits_reason(LAUNCHER_LIMITS_END_IDLE), ==, "idle_logout");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/launcher-limits/check", test_check);
	g_test_add_func("/launcher-limits/active", test_active);
	g_test_add_func("/launcher-limits/clock", test_clock);
	g_test_add_func("/launcher-limits/texts", test_texts);
	return g_test_run();
}
