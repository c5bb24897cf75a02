/* Station state and unknown stations (tools/broker/broker_state.c) and the
 * bounded LRU table under them (broker_lru.c). */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "broker_lru.h"
#include "broker_state.h"

struct node {
	struct broker_lru_node n;
	int id;
};

static void node_free(struct broker_lru_node *n)
{
	g_free(n);
}

static struct node *node_new(uint64_t key, int id)
{
	struct node *x = g_new0(struct node, 1);

	x->n.key = key;
	x->id = id;
	return x;
}

static void test_lru(void)
{
	struct broker_lru t;
	struct broker_lru_node *n, *old;
	uint64_t k;
	int ids[4], i = 0;

	g_assert_cmpint(broker_lru_init(&t, 3), ==, 0);
	for (k = 1; k <= 3; k++)
		g_assert_null(broker_lru_insert(&t, &node_new(k << 40, (int)k)->n));
	/* Touching 1 makes 2 the oldest. */
	n = broker_lru_find(&t, 1ull << 40, NULL, NULL);
	g_assert_nonnull(n);
	broker_lru_touch(&t, n);
	old = broker_lru_insert(&t, &node_new(4ull << 40, 4)->n);
	g_assert_nonnull(old);
	g_assert_cmpint(((struct node *)old)->id, ==, 2);
	node_free(old);
	g_assert_null(broker_lru_find(&t, 2ull << 40, NULL, NULL));
	g_assert_cmpuint(t.count, ==, 3);
	/* Newest first: 4, 1, 3. */
	for (n = broker_lru_first(&t); n && i < 4; n = broker_lru_next(&t, n))
		ids[i++] = ((struct node *)n)->id;
	g_assert_cmpint(i, ==, 3);
	g_assert_cmpint(ids[0], ==, 4);
	g_assert_cmpint(ids[1], ==, 1);
	g_assert_cmpint(ids[2], ==, 3);
	g_assert_cmpint(((struct node *)broker_lru_oldest(&t))->id, ==, 3);
	n = broker_lru_find(&t, 1ull << 40, NULL, NULL);
	broker_lru_remove(&t, n);
	node_free(n);
	g_assert_cmpuint(t.count, ==, 2);
	broker_lru_destroy(&t, node_free);
}

/* Many keys that collide in the low bits still all resolve. */
static void test_lru_many(void)
{
	struct broker_lru t;
	uint64_t k;

	g_assert_cmpint(broker_lru_init(&t, 5000), ==, 0);
	for (k = 0; k < 5000; k++)
		g_assert_null(broker_lru_insert(&t, &node_new(k << 32, (int)k)->n));
	for (k = 0; k < 5000; k++) {
		struct broker_lru_node *n = broker_lru_find(&t, k << 32, NULL, NULL);

		if (!n || ((struct node *)n)->id != (int)k) {
			g_test_fail_printf("key %llu lost", (unsigned long long)k);
			break;
		}
	}
	broker_lru_destroy(&t, node_free);
}

static void mac(uint8_t m[6], unsigned last)
{
	static const uint8_t base[6] = {0x52, 0x54, 0, 0, 0, 0};

	memcpy(m, base, 6);
	m[4] = (uint8_t)(last >> 8);
	m[5] = (uint8_t)last;
}

static void test_stations(void)
{
	struct broker_state *s = broker_state_new(100, 10);
	struct broker_station_info *v;
	struct ipaddr ip1, ip2;
	uint8_t m1[6], m2[6], tok[BROKER_TOKEN_LEN];
	char ep[BROKER_ENDPOINT_STR_MAX];
	size_t n;

	g_assert_cmpint(broker_token_new(tok), ==, 0);
	g_assert_cmpint(ip_parse("10.0.0.1", &ip1), ==, 0);
	g_assert_cmpint(ip_parse("10.0.0.2", &ip2), ==, 0);
	mac(m1, 2);
	mac(m2, 1);
	broker_state_seen(s, m1, &ip1, "st-a", 100);
	broker_state_seen(s, m2, &ip2, "", 101);
	broker_state_format_endpoint(ep, "spice", "10.9.0.1", 5900);
	g_assert_cmpint(broker_state_issue(s, m1, tok, 120), ==, 0);
	g_assert_true(broker_state_session(s, m1, &ip2, "", ep, "ann", tok, 150));
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 2);
	/* Sorted by MAC: m2 (…:01) first. */
	g_assert_cmpint(v[0].mac[5], ==, 1);
	g_assert_false(v[0].connected);
	g_assert_cmpstr(v[0].hostname, ==, "");
	g_assert_cmpint(v[0].since, ==, 101);
	g_assert_true(v[1].connected);
	g_assert_cmpstr(v[1].endpoint, ==, "spice://10.9.0.1:5900");
	g_assert_cmpstr(v[1].user, ==, "ann");
	g_assert_cmpstr(v[1].hostname, ==, "st-a"); /* "" keeps the old name */
	g_assert_true(memcmp(v[1].ip.b, ip2.b, 16) == 0);
	g_assert_cmpint(v[1].since, ==, 150);
	g_assert_cmpint(v[1].last_seen, ==, 150);
	free(v);

	g_assert_true(broker_state_session(s, m1, &ip2, "st-b", NULL, "ann", tok, 200));
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_false(v[1].connected);
	g_assert_cmpstr(v[1].endpoint, ==, "");
	g_assert_cmpstr(v[1].user, ==, "");
	g_assert_cmpstr(v[1].hostname, ==, "st-b");
	g_assert_cmpint(v[1].since, ==, 200);
	free(v);
	broker_state_free(s);
}

static bool even_is_known(const uint8_t m[6], const struct ipaddr *ip, const char *hostname,
			  void *arg)
{
	return m[5] % 2 == 0;
}

static void test_unknown(void)
{
	struct broker_state *s = broker_state_new(100, 3);
	struct broker_unknown_info *v;
	struct ipaddr ip;
	uint8_t m[6];
	size_t n;
	unsigned i;

	g_assert_cmpint(ip_parse("fd00::7", &ip), ==, 0);
	mac(m, 1);
	g_assert_true(broker_state_unknown(s, m, &ip, "a", 10));
	g_assert_false(broker_state_unknown(s, m, &ip, "", 20));
	g_assert_cmpint(broker_state_list_unknown(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpstr(v[0].hostname, ==, "a");
	g_assert_cmpint(v[0].first_seen, ==, 10);
	g_assert_cmpint(v[0].last_seen, ==, 20);
	g_assert_cmpuint(v[0].count, ==, 2);
	free(v);

	/* Cap 3: 2..5 arrive after 1's last request, so the least recently
	 * heard of, 1 and then 2, are forgotten. */
	for (i = 2; i <= 5; i++) {
		mac(m, i);
		broker_state_unknown(s, m, &ip, NULL, 10 + i);
	}
	g_assert_cmpuint(broker_state_unknown_count(s), ==, 3);
	g_assert_cmpint(broker_state_list_unknown(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpint(v[0].mac[5], ==, 3);
	g_assert_cmpint(v[1].mac[5], ==, 4);
	g_assert_cmpint(v[2].mac[5], ==, 5);
	free(v);

	g_assert_cmpuint(broker_state_prune_unknown(s, even_is_known, NULL), ==, 1);
	g_assert_cmpint(broker_state_list_unknown(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpint(v[0].mac[5], ==, 3);
	g_assert_cmpint(v[1].mac[5], ==, 5);
	free(v);
	broker_state_free(s);
}

static void test_station_cap(void)
{
	struct broker_state *s = broker_state_new(32, 1);
	struct broker_station_info *v;
	struct ipaddr ip;
	uint8_t m[6];
	size_t n;
	unsigned i;

	g_assert_cmpint(ip_parse("10.0.0.1", &ip), ==, 0);
	for (i = 0; i < 1000; i++) {
		mac(m, i);
		broker_state_seen(s, m, &ip, "h", i);
	}
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, <=, 32 + 16);
	g_assert_cmpuint(n, >=, 16);
	free(v);
	broker_state_free(s);
}

/* A full table forgets idle stations, never one in a session, however many
 * new MACs come: lookups with made-up MACs that a CIDR mapping matches.
 * Forged reports (no token) record nothing at all. */
static void test_session_kept(void)
{
	struct broker_state *s = broker_state_new(32, 1);
	struct broker_station_info *v;
	struct ipaddr ip;
	uint8_t m[6], tok[BROKER_TOKEN_LEN], forged[BROKER_TOKEN_LEN] = {0};
	size_t n, i, connected = 0;
	unsigned k;

	g_assert_cmpint(ip_parse("10.0.0.1", &ip), ==, 0);
	for (k = 0; k < 8; k++) {
		mac(m, k);
		g_assert_cmpint(broker_token_new(tok), ==, 0);
		g_assert_cmpint(broker_state_issue(s, m, tok, k), ==, 0);
		g_assert_true(broker_state_session(s, m, &ip, "real", "spice://10.9.0.1:5900",
						   "ann", tok, k));
	}
	for (k = 100; k < 5000; k++) {
		mac(m, k);
		g_assert_false(
		    broker_state_session(s, m, &ip, "forged", "rdp://evil:1", NULL, forged, k));
		broker_state_seen(s, m, &ip, "lookup", k);
	}
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	for (i = 0; i < n; i++)
		if (v[i].connected && strcmp(v[i].hostname, "real") == 0)
			connected++;
	g_assert_cmpuint(connected, ==, 8);
	for (i = 0; i < n; i++)
		g_assert_cmpstr(v[i].hostname, !=, "forged");
	g_assert_cmpuint(n, <=, 32 + 16);
	free(v);
	broker_state_free(s);
}

/* A station just handed a desktop keeps its token through a flood of
 * lookups with made-up MACs until its start report comes; only after
 * STATE_FRESH_TOKEN_S (120 s) without one may it be forgotten. */
static void test_fresh_token_kept(void)
{
	struct broker_state *s = broker_state_new(32, 1);
	struct ipaddr ip;
	uint8_t real[6], m[6], tok[BROKER_TOKEN_LEN];
	unsigned k;

	g_assert_cmpint(ip_parse("10.0.0.1", &ip), ==, 0);
	mac(real, 7);
	g_assert_cmpint(broker_token_new(tok), ==, 0);
	g_assert_cmpint(broker_state_issue(s, real, tok, 1000), ==, 0);
	for (k = 100; k < 5000; k++) {
		mac(m, k);
		broker_state_seen(s, m, &ip, "lookup", 1000 + k / 50);
	}
	g_assert_true(
	    broker_state_session(s, real, &ip, "real", "spice://10.9.0.1:5900", NULL, tok, 1100));
	g_assert_true(broker_state_session(s, real, &ip, "real", NULL, NULL, tok, 1101));
	/* Idle again, token older than 120 s: an ordinary idle station. */
	for (k = 5000; k < 10000; k++) {
		mac(m, k);
		broker_state_seen(s, m, &ip, "lookup", 1300);
	}
	g_assert_false(
	    broker_state_session(s, real, &ip, "real", "spice://10.9.0.1:5900", NULL, tok, 1300));
	broker_state_free(s);
}

/* Session reports need a token of the station's: the newest, the previous
 * one, or the one its session started with. */
static void test_tokens(void)
{
	struct broker_state *s = broker_state_new(100, 1);
	struct broker_station_info *v;
	struct ipaddr ip;
	uint8_t m[6], other[6], t1[BROKER_TOKEN_LEN], t2[BROKER_TOKEN_LEN], t3[BROKER_TOKEN_LEN],
	    t4[BROKER_TOKEN_LEN], wrong[BROKER_TOKEN_LEN];
	const char *ep = "spice://10.9.0.1:5900";
	size_t n;

	g_assert_cmpint(ip_parse("10.0.0.1", &ip), ==, 0);
	mac(m, 7);
	mac(other, 8);
	g_assert_cmpint(broker_token_new(t1), ==, 0);
	g_assert_cmpint(broker_token_new(t2), ==, 0);
	g_assert_cmpint(broker_token_new(t3), ==, 0);
	g_assert_cmpint(broker_token_new(t4), ==, 0);
	memcpy(wrong, t1, sizeof(wrong));
	wrong[BROKER_TOKEN_LEN - 1] ^= 1;

	/* No record: nothing is created. */
	g_assert_false(broker_state_session(s, m, &ip, "h", ep, NULL, t1, 1));
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_cmpuint(n, ==, 0);
	free(v);
	/* A station that was seen but handed nothing has no token. */
	broker_state_seen(s, m, &ip, "h", 2);
	g_assert_false(broker_state_session(s, m, &ip, "h", ep, NULL, t1, 3));

	g_assert_cmpint(broker_state_issue(s, m, t1, 4), ==, 0);
	g_assert_cmpint(broker_state_issue(s, other, t2, 4), ==, 0);
	g_assert_false(broker_state_session(s, m, &ip, "h", ep, NULL, wrong, 5));
	/* Another station's token is not this one's. */
	g_assert_false(broker_state_session(s, m, &ip, "h", ep, NULL, t2, 5));
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_false(v[0].connected);
	free(v);

	/* Asked twice before connecting: the first answer's token still works. */
	g_assert_cmpint(broker_state_issue(s, m, t3, 6), ==, 0);
	g_assert_true(broker_state_session(s, m, &ip, "h", ep, "ann", t1, 7));
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	g_assert_true(v[0].connected);
	free(v);
	/* Two more ready answers (anyone naming this MAC) push t1 out of
	 * newest and previous; the session's own end still works. */
	g_assert_cmpint(broker_state_issue(s, m, t2, 8), ==, 0);
	g_assert_cmpint(broker_state_issue(s, m, t4, 8), ==, 0);
	g_assert_true(broker_state_session(s, m, &ip, "h", NULL, NULL, t1, 9));
	/* Ended: t1 has no session to hold it any more. */
	g_assert_false(broker_state_session(s, m, &ip, "h", ep, NULL, t1, 10));
	g_assert_true(broker_state_session(s, m, &ip, "h", ep, NULL, t2, 11));
	g_assert_true(broker_state_session(s, m, &ip, "h", NULL, NULL, t4, 12));
	broker_state_free(s);
}

static void test_token_format(void)
{
	uint8_t a[BROKER_TOKEN_LEN], b[BROKER_TOKEN_LEN];
	char str[BROKER_TOKEN_STR_LEN];

	g_assert_cmpint(broker_token_new(a), ==, 0);
	g_assert_cmpint(broker_token_new(b), ==, 0);
	g_assert_false(broker_token_equal(a, b));
	broker_token_format(a, str);
	g_assert_cmpuint(strlen(str), ==, 32);
	g_assert_cmpint(broker_token_parse(str, b), ==, 0);
	g_assert_true(broker_token_equal(a, b));
	g_assert_cmpint(broker_token_parse("", b), <, 0);
	g_assert_cmpint(broker_token_parse(NULL, b), <, 0);
	g_assert_cmpint(broker_token_parse("0123456789abcdef0123456789abcde", b), <, 0);
	g_assert_cmpint(broker_token_parse("0123456789abcdef0123456789abcdef0", b), <, 0);
	g_assert_cmpint(broker_token_parse("0123456789ABCDEF0123456789abcdef", b), <, 0);
	g_assert_cmpint(broker_token_parse("0123456789abcdeg0123456789abcdef", b), <, 0);
	g_assert_cmpint(broker_token_parse("00ff00ff00ff00ff00ff00ff00ff00ff", b), ==, 0);
	g_assert_cmpint(b[1], ==, 0xff);
}

/* A shard full of sessions records no new station rather than drop one. */
static void test_all_in_session(void)
{
	struct broker_state *s = broker_state_new(16, 1);
	struct broker_station_info *v;
	struct ipaddr ip;
	uint8_t m[6], tok[BROKER_TOKEN_LEN];
	size_t n, i, connected = 0, refused = 0;
	unsigned k;

	g_assert_cmpint(ip_parse("10.0.0.1", &ip), ==, 0);
	g_assert_cmpint(broker_token_new(tok), ==, 0);
	for (k = 0; k < 2000; k++) {
		mac(m, k);
		/* No room, no token: the ready answer is not sent. */
		if (broker_state_issue(s, m, tok, k) < 0) {
			refused++;
			continue;
		}
		g_assert_true(
		    broker_state_session(s, m, &ip, "h", "rdp://10.9.0.1:3389", NULL, tok, k));
	}
	g_assert_cmpuint(refused, >, 0);
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	for (i = 0; i < n; i++)
		connected += v[i].connected;
	g_assert_cmpuint(n, <=, 16);
	g_assert_cmpuint(connected, ==, n);
	free(v);
	/* The first ones stayed: later sessions found no room. */
	mac(m, 0);
	broker_state_seen(s, m, &ip, "again", 3000);
	g_assert_cmpint(broker_state_list(s, &v, &n), ==, 0);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].hostname, "again") == 0)
			g_assert_true(v[i].connected);
	free(v);
	broker_state_free(s);
}

/* Reports per address: a burst, then the rate; other addresses unaffected;
 * log lines: a burst of five, then one a second with the count held back. */
static void test_report_rate(void)
{
	struct broker_state *s = broker_state_new(32, 1);
	struct ipaddr a, b;
	unsigned long held = 99;
	unsigned i, okn = 0;

	g_assert_cmpint(ip_parse("10.0.0.1", &a), ==, 0);
	g_assert_cmpint(ip_parse("10.0.0.2", &b), ==, 0);
	g_assert_cmpint(broker_state_set_report_rate(s, 10, 5), ==, 0);
	for (i = 0; i < 1000; i++)
		okn += broker_state_report_allowed(s, &a, 1000);
	g_assert_cmpuint(okn, ==, 50);
	g_assert_true(broker_state_report_allowed(s, &b, 1000));
	g_assert_false(broker_state_report_allowed(s, &a, 1050));
	g_assert_true(broker_state_report_allowed(s, &a, 1100));

	okn = 0;
	for (i = 0; i < 100; i++)
		okn += broker_state_log_allowed(s, &a, "start", 1000, &held);
	g_assert_cmpuint(okn, ==, 5);
	g_assert_true(broker_state_log_allowed(s, &a, "end", 1000, &held));
	g_assert_cmpuint(held, ==, 0);
	g_assert_true(broker_state_log_allowed(s, &a, "start", 2000, &held));
	g_assert_cmpuint(held, ==, 95);

	g_assert_cmpint(broker_state_set_report_rate(s, 0, 5), ==, 0);
	for (i = 0; i < 1000; i++)
		g_assert_true(broker_state_report_allowed(s, &a, 3000));
	broker_state_free(s);
}

struct ep_case {
	const char *proto, *host;
	unsigned port;
	const char *want;
};

static const struct ep_case ep_cases[] = {
    {"spice", "10.0.0.5", 5900, "spice://10.0.0.5:5900"},
    {"rdp", "rds.example.org", 3389, "rdp://rds.example.org:3389"},
    {"vnc", "fd00::5", 5901, "vnc://[fd00::5]:5901"},
};

static void test_endpoint_format(void)
{
	char out[BROKER_ENDPOINT_STR_MAX];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(ep_cases); i++) {
		broker_state_format_endpoint(out, ep_cases[i].proto, ep_cases[i].host,
					     ep_cases[i].port);
		g_assert_cmpstr(out, ==, ep_cases[i].want);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	g_test_add_func("/broker/lru/basic", test_lru);
	g_test_add_func("/broker/lru/many", test_lru_many);
	g_test_add_func("/broker/state/stations", test_stations);
	g_test_add_func("/broker/state/unknown", test_unknown);
	g_test_add_func("/broker/state/station-cap", test_station_cap);
	g_test_add_func("/broker/state/endpoint-format", test_endpoint_format);
	g_test_add_func("/broker/state/session-kept", test_session_kept);
	g_test_add_func("/broker/state/all-in-session", test_all_in_session);
	g_test_add_func("/broker/state/tokens", test_tokens);
	g_test_add_func("/broker/state/fresh-token-kept", test_fresh_token_kept);
	g_test_add_func("/broker/token/format", test_token_format);
	g_test_add_func("/broker/state/report-rate", test_report_rate);
	return g_test_run();
}
