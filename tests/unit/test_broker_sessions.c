/* The open session in the station table (tools/broker/broker_state.c):
 * what a hand-out records, the idle time of alive reports, an end decided
 * by the broker and how the station's reports are answered after it, and
 * the report period for large fleets; and the words a station is told
 * (broker_sessions.c). */
#include <glib.h>
#include <string.h>

#include "broker_sessions.h"
#include "broker_state.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x52, 0x54, 0, 0, 0, 0x0b};

/* A station handed a desktop (tok) by alice, its session started. */
static void open_session(struct broker_state *s, const uint8_t mac[6], uint8_t tok[16],
			 uint8_t fill, const char *desk)
{
	struct broker_state_desk d = {
	    .user = "alice", .desktop = desk, .lv_uri = "qemu:///x", .lv_domain = "tiny"};

	memset(tok, fill, 16);
	g_assert_cmpint(broker_state_issue(s, mac, tok, 100), ==, 0);
	broker_state_set_desk(s, mac, &d);
	/* The report's user is what the station claims; the hand-out's wins. */
	g_assert_true(
	    broker_state_session(s, mac, NULL, "", "spice://h:5900", "mallory", tok, 101));
}

static bool match_mac_a(const struct broker_station_info *info, void *arg)
{
	return memcmp(info->mac, mac_a, 6) == 0;
}

static void test_session_life(void)
{
	struct broker_state *s = broker_state_new(64, 8);
	struct broker_station_info *v = NULL;
	uint8_t tok[16], wrong[16];
	char reason[24], by[BROKER_STATE_DESK_MAX];
	size_t n = 0;

	open_session(s, mac_a, tok, 0x11, "domain tiny");
	memset(wrong, 0x22, sizeof(wrong));
	g_assert_cmpint(broker_state_alive(s, mac_a, NULL, "", wrong, 5, 102, reason, by), ==,
			BROKER_ALIVE_REFUSED);
	g_assert_cmpint(broker_state_alive(s, mac_a, NULL, "", tok, 7, 103, reason, by), ==,
			BROKER_ALIVE_OK);
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_true(v[0].connected);
	g_assert_cmpstr(v[0].user, ==, "alice");
	g_assert_cmpstr(v[0].desktop, ==, "domain tiny");
	g_assert_cmpstr(v[0].lv_domain, ==, "tiny");
	g_assert_cmpint(v[0].idle_s, ==, 7);
	g_assert_cmpint(v[0].idle_at, ==, 103);
	g_free(v);

	/* Ended by the broker: listed as ending until the station hears. */
	g_assert_cmpint(broker_state_end(s, match_mac_a, NULL, "moved", "station-b", &v, &n), ==,
			0);
	g_assert_cmpuint(n, ==, 1);
	/* The copy is the session as it was. */
	g_assert_cmpstr(v[0].end_reason, ==, "");
	g_free(v);
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_cmpstr(v[0].end_reason, ==, "moved");
	g_free(v);
	g_assert_cmpint(broker_state_alive(s, mac_a, NULL, "", wrong, 5, 104, reason, by), ==,
			BROKER_ALIVE_REFUSED);
	g_assert_cmpint(broker_state_alive(s, mac_a, NULL, "", tok, 5, 104, reason, by), ==,
			BROKER_ALIVE_END);
	g_assert_cmpstr(reason, ==, "moved");
	g_assert_cmpstr(by, ==, "station-b");
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_false(v[0].connected);
	g_assert_cmpstr(v[0].user, ==, "");
	g_free(v);
	/* Told once. */
	g_assert_cmpint(broker_state_alive(s, mac_a, NULL, "", tok, 5, 105, reason, by), ==,
			BROKER_ALIVE_OK);
	/* The station's end report still goes through (its newest token). */
	g_assert_true(broker_state_session(s, mac_a, NULL, "", NULL, "", tok, 106));
	broker_state_free(s);
}

static bool match_all(const struct broker_station_info *info, void *arg)
{
	(*(int *)arg)++;
	return true;
}

static void test_end_only_open(void)
{
	struct broker_state *s = broker_state_new(64, 8);
	struct broker_station_info *v = NULL;
	uint8_t tok[16];
	size_t n = 9;
	int asked = 0;

	char reason[24], by[BROKER_STATE_DESK_MAX];

	/* B was handed a desktop but never started it: not a session, and
	 * its alive reports (its start report still on its way) go on. */
	memset(tok, 0x33, sizeof(tok));
	g_assert_cmpint(broker_state_issue(s, mac_b, tok, 100), ==, 0);
	g_assert_cmpint(broker_state_alive(s, mac_b, NULL, "", tok, 5, 101, reason, by), ==,
			BROKER_ALIVE_OK);
	open_session(s, mac_a, tok, 0x44, "spice://h:5900");
	g_assert_cmpint(broker_state_end(s, match_all, &asked, "disconnected", NULL, &v, &n), ==,
			0);
	g_assert_cmpint(asked, ==, 1);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpmem(v[0].mac, 6, mac_a, 6);
	g_free(v);
	broker_state_free(s);
}

static void test_alive_every(void)
{
	struct broker_state *s = broker_state_new(4096, 8);
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0}, tok[16];
	int i;

	g_assert_cmpuint(broker_state_alive_every(s), ==, 3);
	for (i = 0; i < 1500; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		memset(tok, i & 0xff, sizeof(tok));
		g_assert_cmpint(broker_state_issue(s, mac, tok, 100), ==, 0);
		g_assert_true(broker_state_session(s, mac, NULL, "", "spice://h:1", "", tok, 100));
		if (i == 999)
			g_assert_cmpuint(broker_state_alive_every(s), ==, 3);
	}
	/* 1,500 sessions: about 333 reports a second in all. */
	g_assert_cmpuint(broker_state_alive_every(s), ==, 5);
	broker_state_free(s);
}

static void test_words(void)
{
	char msg[200];

	g_assert_cmpstr(broker_sessions_code("moved"), ==, "session_moved");
	g_assert_cmpstr(broker_sessions_code("disconnected"), ==, "session_disconnected");
	broker_sessions_message("moved", "station-b", msg, sizeof(msg));
	g_assert_cmpstr(msg, ==, "Your session was opened at another station (station-b).");
	broker_sessions_message("disconnected", NULL, msg, sizeof(msg));
	g_assert_cmpstr(msg, ==, "Your session was ended by an administrator.");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sessions/life", test_session_life);
	g_test_add_func("/sessions/end_only_open", test_end_only_open);
	g_test_add_func("/sessions/alive_every", test_alive_every);
	g_test_add_func("/sessions/words", test_words);
	return g_test_run();
}
