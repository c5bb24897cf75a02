/* USB filters (tools/common/usb_filter.c), the one parser that the stations
 * file, the broker and the station share.
 *
 * - cases: what is accepted, what is refused and in which words;
 * - usbredir: every filter we accept means the same to usbredir's own parser
 *   (libusbredirparser, which spice-gtk hands the filter to);
 * - property: for every usb_redirect or usb_deny value the stations file
 *   accepts, the broker's reply for that station parses on the station, and
 *   the station reads the same rules. Values are generated from a grammar
 *   that mixes good and bad fields (blanks, leading zeros, 0x, -1, too big,
 *   missing and extra fields), with a fixed seed so a failure repeats. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <usbredirfilter.h>

#include "broker_reply.h"
#include "broker_reply_parse.h"
#include "netaddr.h"
#include "stations.h"
#include "usb_filter.h"

struct filter_case {
	const char *text;
	int rules;	  /* accepted: number of rules; refused: -1 */
	const char *want; /* accepted: canonical form; refused: part of the error */
};

static const struct filter_case filter_cases[] = {
    {"", 0, ""},
    {"-1,-1,-1,-1,0", 1, "-1,-1,-1,-1,0"},
    {"8,-1,-1,-1,1", 1, "0x08,-1,-1,-1,1"},
    {"0x08,0x1d6b,0x0002,0x0100,1", 1, "0x08,0x1d6b,0x0002,0x0100,1"},
    {"0X0E,0XABCD,-1,-1,1", 1, "0x0e,0xabcd,-1,-1,1"},
    {"10,-1,-1,-1,1|0,0,0,0,0", 2, "0x0a,-1,-1,-1,1|0x00,0x0000,0x0000,0x0000,0"},
    {"255,65535,65535,65535,1", 1, "0xff,0xffff,0xffff,0xffff,1"},
    /* The admin's example from the report: a blank, then an octal-looking 010. */
    {"0x08, -1,-1,-1,1|010,-1,-1,-1,1", -1, "rule 1: the vendor ' -1' has a blank"},
    {"010,-1,-1,-1,1", -1, "rule 1: the class '010' starts with 0"},
    {"8,-1,-1,-1,01", -1, "rule 1: the allow '01' starts with 0"},
    {"8 ,-1,-1,-1,1", -1, "has a blank"},
    {"8,-1,-1,-1,1\t", -1, "has a blank"},
    {"256,-1,-1,-1,1", -1, "rule 1: the class '256' is over 0xff"},
    {"0x100,-1,-1,-1,1", -1, "is over 0xff"},
    {"8,65536,-1,-1,1", -1, "the vendor '65536' is over 0xffff"},
    {"8,99999999999999999999,-1,-1,1", -1, "is over 0xffff"},
    {"8,-1,-1,-1,2", -1, "the allow '2' is over 0x1"},
    {"8,-1,-1,-1,-1", -1, "allow must be 0 or 1"},
    {"-2,-1,-1,-1,1", -1, "the class '-2' is not a number"},
    {"0x,-1,-1,-1,1", -1, "the class '0x' is not a number"},
    {"0xg,-1,-1,-1,1", -1, "is not a number"},
    {"+8,-1,-1,-1,1", -1, "is not a number"},
    {"8,-1,-1,1", -1, "expected 5 numbers"},
    {"8,-1,-1,-1,1,1", -1, "more than 5 numbers"},
    {"8,,-1,-1,1", -1, "the vendor is empty"},
    {"8,-1,-1,-1,1|", -1, "empty rule after '|'"},
    {"|8,-1,-1,-1,1", -1, "the class is empty"},
    {"8,-1,-1,-1,1||8,-1,-1,-1,1", -1, "rule 2: the class is empty"},
};

static void test_filter_case(gconstpointer data)
{
	const struct filter_case *c = data;
	struct usb_filter f;
	char err[256] = "", text[USB_FILTER_MAX_LEN + 1];
	int rc = usb_filter_parse(c->text, &f, err, sizeof(err));

	if (c->rules < 0) {
		g_assert_cmpint(rc, ==, -1);
		if (!strstr(err, c->want))
			g_error("'%s': error '%s' does not say '%s'", c->text, err, c->want);
		return;
	}
	if (rc != 0)
		g_error("'%s' refused: %s", c->text, err);
	g_assert_cmpuint(f.n, ==, (size_t)c->rules);
	g_assert_cmpint(usb_filter_format(&f, text, sizeof(text)), ==, 0);
	g_assert_cmpstr(text, ==, c->want);
}

static void test_filter_limits(void)
{
	GString *s = g_string_new(NULL);
	struct usb_filter f;
	char err[256];

	for (int i = 0; i < USB_FILTER_MAX_RULES; i++)
		g_string_append(s, i ? "|-1,-1,-1,-1,1" : "-1,-1,-1,-1,1");
	g_assert_cmpint(usb_filter_parse(s->str, &f, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(f.n, ==, USB_FILTER_MAX_RULES);
	g_string_append(s, "|-1,-1,-1,-1,1");
	g_assert_cmpint(usb_filter_parse(s->str, &f, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "more than"));
	g_string_free(s, TRUE);
}

/* The same rules, read by usbredir's parser. It takes the text as it is: a
 * filter we accept must mean exactly this to spice-gtk. */
static void check_usbredir_agrees(const char *text, const struct usb_filter *f)
{
	struct usbredirfilter_rule *rules = NULL;
	int count = 0;

	if (f->n == 0)
		return; /* usbredir refuses an empty string; we send no filter then */
	if (usbredirfilter_string_to_rules(text, ",", "|", &rules, &count) != 0)
		g_error("usbredir refuses '%s', which we accept", text);
	g_assert_cmpint(count, ==, (int)f->n);
	g_assert_cmpint(usbredirfilter_verify(rules, count), ==, 0);
	for (int i = 0; i < count; i++) {
		const struct usb_filter_rule *r = &f->rules[i];

		g_assert_cmpint(rules[i].device_class, ==, r->device_class);
		g_assert_cmpint(rules[i].vendor_id, ==, r->vendor);
		g_assert_cmpint(rules[i].product_id, ==, r->product);
		g_assert_cmpint(rules[i].device_version_bcd, ==, r->version);
		g_assert_cmpint(rules[i].allow, ==, r->allow ? 1 : 0);
	}
	usbredirfilter_free(rules);
}

static void test_usbredir_agrees_on_cases(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(filter_cases); i++) {
		struct usb_filter f;
		char err[256];

		if (filter_cases[i].rules < 0)
			continue;
		g_assert_cmpint(usb_filter_parse(filter_cases[i].text, &f, err, sizeof(err)), ==,
				0);
		check_usbredir_agrees(filter_cases[i].text, &f);
	}
}

/* The report's point: usbredir reads 010 as 8, a person as ten. */
static void test_usbredir_reads_octal(void)
{
	struct usbredirfilter_rule *rules = NULL;
	int count = 0;

	g_assert_cmpint(usbredirfilter_string_to_rules("010,-1,-1,-1,1", ",", "|", &rules, &count),
			==, 0);
	g_assert_cmpint(count, ==, 1);
	g_assert_cmpint(rules[0].device_class, ==, 8);
	usbredirfilter_free(rules);
}

/* A random filter field: mostly good (about one field in twelve is a
 * mistake an admin makes), so that whole filters are often accepted too. */
static void gen_field(GString *s, GRand *rng, int max)
{
	if (g_rand_int_range(rng, 0, 12) > 0) {
		switch (g_rand_int_range(rng, 0, 5)) {
		case 0:
			g_string_append(s, "-1");
			break;
		case 1:
			g_string_append_printf(s, "%d", g_rand_int_range(rng, 0, max + 1));
			break;
		case 2:
			g_string_append_printf(s, "0x%0*x", g_rand_int_range(rng, 1, 5),
					       (unsigned)g_rand_int_range(rng, 0, max + 1));
			break;
		case 3:
			g_string_append_printf(s, "0X%X",
					       (unsigned)g_rand_int_range(rng, 0, max + 1));
			break;
		default:
			g_string_append(s, "0");
			break;
		}
		return;
	}
	switch (g_rand_int_range(rng, 0, 7)) {
	case 0:
		g_string_append_printf(s, "0%d", g_rand_int_range(rng, 0, 20)); /* octal-looking */
		break;
	case 1:
		g_string_append_printf(s, " %d", g_rand_int_range(rng, 0, max + 1));
		break;
	case 2:
		g_string_append_printf(s, "%d", max + 1 + g_rand_int_range(rng, 0, 3));
		break;
	case 3:
		g_string_append_printf(s, "0x%X", (unsigned)(max + 1));
		break;
	case 4:
		break; /* empty */
	case 5:
		g_string_append(s, g_rand_boolean(rng) ? "-01" : "x8");
		break;
	default:
		g_string_append_printf(s, "%d\t", g_rand_int_range(rng, 0, max + 1));
		break;
	}
}

static char *gen_filter(GRand *rng)
{
	static const int max[5] = {0xff, 0xffff, 0xffff, 0xffff, 1};
	GString *s = g_string_new(NULL);
	int rules = g_rand_int_range(rng, 1, 4);

	for (int r = 0; r < rules; r++) {
		int fields = g_rand_int_range(rng, 0, 10) == 0 ? g_rand_int_range(rng, 4, 7) : 5;

		if (r)
			g_string_append_c(s, '|');
		for (int i = 0; i < fields; i++) {
			if (i)
				g_string_append_c(s, ',');
			gen_field(s, rng, max[i < 5 ? i : 4]);
		}
	}
	return g_string_free(s, FALSE);
}

/* The whole path for one value: stations file, broker reply, station. */
static void check_value(const char *key, const char *value, int *accepted)
{
	static const char mac_text[] = "52:54:00:00:00:01";
	g_autofree char *text =
	    g_strdup_printf("[%s]\nhost = 10.0.0.5\nport = 5900\n%s = %s\n", mac_text, key, value);
	struct st_diags d = {0};
	struct st_doc *doc = st_doc_parse(text, strlen(text), "stations", &d);
	struct st_config *cfg = doc ? st_config_build(doc, ".", &d) : NULL;
	struct usb_filter want, got;
	char err[256];
	/* The stations file trims blanks around a value, as any ini file does. */
	g_autofree char *trimmed = g_strstrip(g_strdup(value));
	int ours = usb_filter_parse(trimmed, &want, err, sizeof(err));

	if (!cfg) {
		/* The stations file refused it: so must the parser it shares. */
		if (ours == 0)
			g_error("stations file refuses %s = '%s' that the parser accepts", key,
				value);
		goto out;
	}
	if (ours != 0)
		g_error("stations file accepts %s = '%s' that the parser refuses (%s)", key, value,
			err);
	(*accepted)++;
	check_usbredir_agrees(trimmed, &want);

	struct broker_frags *frags = broker_reply_frags_build(cfg);
	uint8_t mac[6];
	struct ipaddr ip;
	g_assert_cmpint(mac_parse(mac_text, mac), ==, 0);
	g_assert_cmpint(ip_parse("10.1.2.3", &ip), ==, 0);
	const struct st_entry *e = st_config_match(cfg, mac, &ip, NULL);
	g_assert_nonnull(e);
	struct broker_reply_ident id = {mac_text, "10.1.2.3", ""};
	size_t len;
	char *reply = broker_reply_station(broker_reply_frag(frags, e->index), &id, NULL, &len);
	struct broker_reply r = {0};
	char perr[256] = "";

	if (broker_reply_parse(reply, len, &r, perr, sizeof(perr)) != 0)
		g_error("%s = '%s': the station refuses the broker's reply (%s): %s", key, value,
			perr, reply);
	const char *sent =
	    strcmp(key, "usb_redirect") == 0 ? r.policy.usb_auto_redirect : r.policy.usb_deny;
	g_assert_nonnull(sent);
	g_assert_cmpint(usb_filter_parse(sent, &got, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(got.n, ==, want.n);
	for (size_t i = 0; i < got.n; i++) {
		const struct usb_filter_rule *a = &got.rules[i], *b = &want.rules[i];

		if (a->device_class != b->device_class || a->vendor != b->vendor ||
		    a->product != b->product || a->version != b->version || a->allow != b->allow)
			g_error("%s = '%s': the station reads rule %zu differently", key, value,
				i + 1);
	}
	broker_reply_clear(&r);
	free(reply);
	broker_reply_frags_free(frags);
out:
	st_config_free(cfg);
	st_doc_free(doc);
	st_diags_free(&d);
}

static void test_property_stations_to_station(void)
{
	static const char *const keys[] = {"usb_redirect", "usb_deny"};
	GRand *rng = g_rand_new_with_seed(14);
	int accepted = 0, tried = 0;

	for (int i = 0; i < 3000; i++, tried++) {
		g_autofree char *value = gen_filter(rng);

		check_value(keys[i % 2], value, &accepted);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(filter_cases); i++, tried++)
		if (filter_cases[i].text[0])
			check_value(keys[i % 2], filter_cases[i].text, &accepted);
	/* The grammar must reach both sides, or the property proves little. */
	g_test_message("%d of %d values accepted", accepted, tried);
	g_assert_cmpint(accepted, >, tried / 10);
	g_assert_cmpint(accepted, <, tried - tried / 10);
	g_rand_free(rng);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(filter_cases); i++) {
		g_autofree char *name = g_strdup_printf("/usb_filter/case/%zu", i);

		g_test_add_data_func(name, &filter_cases[i], test_filter_case);
	}
	g_test_add_func("/usb_filter/limits", test_filter_limits);
	g_test_add_func("/usb_filter/usbredir/agrees", test_usbredir_agrees_on_cases);
	g_test_add_func("/usb_filter/usbredir/reads_octal", test_usbredir_reads_octal);
	g_test_add_func("/usb_filter/property/stations_to_station",
			test_property_stations_to_station);
	return g_test_run();
}
