/* The key table (tools/common/stations_keys.c): every row is complete, its
 * default passes its own check, and its limits are enforced, one past each
 * refused with a message that names the key and the limit. A row added
 * without a limit case here fails test_limits_covered. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stations.h"
#include "stations_keys.h"

/* A value of exactly n bytes: prefix, then 'a's. */
static char *fill(const char *prefix, size_t n)
{
	size_t p = strlen(prefix);
	char *s = g_malloc(n + 1);

	g_assert_cmpuint(n, >=, p);
	memcpy(s, prefix, p);
	memset(s + p, 'a', n - p);
	s[n] = '\0';
	return s;
}

/* A valid host name of exactly n bytes: labels of at most 63. */
static char *fill_host(size_t n)
{
	char *s = g_malloc(n + 1);
	size_t o = 0;

	while (o < n) {
		size_t label = MIN(63, n - o);

		/* Never leave a last label of 0 or 1 after a dot. */
		if (n - o - label == 1)
			label--;
		memset(s + o, 'a', label);
		o += label;
		if (o < n)
			s[o++] = '.';
	}
	s[n] = '\0';
	return s;
}

/* A filter of n rules. */
static char *usb_rules(unsigned n)
{
	GString *s = g_string_new("");

	for (unsigned i = 0; i < n; i++)
		g_string_append(s, i ? "|-1,-1,-1,-1,1" : "-1,-1,-1,-1,1");
	return g_string_free(s, FALSE);
}

/* A desktops list of exactly n bytes: ST_DESKTOPS_MAX distinct valid
 * names, ", " between them. */
static char *fill_desktops(size_t n)
{
	size_t k = ST_DESKTOPS_MAX, names = n - 2 * (k - 1);
	GString *s = g_string_new("");

	g_assert_cmpuint(names, <=, k * ST_GROUP_NAME_MAX);
	for (size_t i = 0; i < k; i++) {
		size_t len = names / k + (i < names % k ? 1 : 0);

		g_string_append_printf(s, "%s%02zx", i ? ", " : "", i);
		for (size_t j = 2; j < len; j++)
			g_string_append_c(s, 'a');
	}
	g_assert_cmpuint(s->len, ==, n);
	return g_string_free(s, FALSE);
}

enum fill_kind { TEXT, HOST, NUMBER, USB, DESKTOPS };

/* One limit: at (accepted) and past (refused with msg). For TEXT the
 * values are prefix + 'a's of the lengths; for NUMBER the numbers. */
struct limit_case {
	enum st_key key;
	enum fill_kind kind;
	const char *prefix;
	long at, past;
	const char *msg;
};

static const struct limit_case limit_cases[] = {
    {ST_KEY_NAME, TEXT, "", ST_NAME_MAX, ST_NAME_MAX + 1,
     "name: value is too long (64 bytes; at most 63)"},
    {ST_KEY_GROUP, TEXT, "", ST_GROUP_NAME_MAX, ST_GROUP_NAME_MAX + 1, "at most 63"},
    {ST_KEY_HOST, HOST, NULL, HOSTNAME_MAX, HOSTNAME_MAX + 1,
     "host: value is too long (254 bytes; at most 253)"},
    {ST_KEY_PORT, NUMBER, NULL, ST_PORT_MAX, ST_PORT_MAX + 1,
     "port: '65536' is not a port (1-65535)"},
    {ST_KEY_PORT, NUMBER, NULL, ST_PORT_MIN, ST_PORT_MIN - 1, "port: '0' is not a port (1-65535)"},
    {ST_KEY_TLS_PORT, NUMBER, NULL, ST_PORT_MAX, ST_PORT_MAX + 1,
     "tls_port: '65536' is not a port"},
    {ST_KEY_TLS_PORT, NUMBER, NULL, ST_PORT_MIN, ST_PORT_MIN - 1, "tls_port: '0' is not a port"},
    {ST_KEY_PASSWORD, TEXT, "", ST_PASSWORD_MAX, ST_PASSWORD_MAX + 1,
     "password: value is too long (256 bytes; at most 255)"},
    {ST_KEY_CA, TEXT, "", ST_CA_PATH_MAX, ST_CA_PATH_MAX + 1,
     "ca: value is too long (4096 bytes; at most 4095)"},
    {ST_KEY_HOST_SUBJECT, TEXT, "", ST_HOST_SUBJECT_MAX, ST_HOST_SUBJECT_MAX + 1, "at most 1024"},
    {ST_KEY_PROXY, TEXT, "http://h/", ST_PROXY_MAX, ST_PROXY_MAX + 1,
     "proxy: value is too long (513 bytes; at most 512)"},
    {ST_KEY_USB_REDIRECT, USB, NULL, 64, 65, "usb_redirect: USB filter"},
    {ST_KEY_USB_DENY, USB, NULL, 64, 65, "usb_deny: USB filter"},
    {ST_KEY_MESSAGE, TEXT, "", ST_MESSAGE_MAX, ST_MESSAGE_MAX + 1,
     "message: value is too long (2001 bytes; at most 2000)"},
    {ST_KEY_CONNECTION_FILE, TEXT, "", ST_PATH_MAX, ST_PATH_MAX + 1,
     "connection_file: value is too long"},
    {ST_KEY_CONNECTION_URL, TEXT, "https://h/", ST_URL_MAX, ST_URL_MAX + 1,
     "connection_url: value is too long (2049 bytes; at most 2048)"},
    {ST_KEY_CONNECTION_AUTH, TEXT, "", ST_PATH_MAX, ST_PATH_MAX + 1,
     "connection_auth: value is too long"},
    {ST_KEY_LIBVIRT_URI, TEXT, "qemu:///", ST_LIBVIRT_URI_MAX, ST_LIBVIRT_URI_MAX + 1,
     "libvirt_uri: value is too long (501 bytes; at most 500)"},
    {ST_KEY_DOMAIN, TEXT, "", ST_DOMAIN_MAX, ST_DOMAIN_MAX + 1,
     "domain: value is too long (201 bytes; at most 200)"},
    {ST_KEY_DISPLAY_HOST, HOST, NULL, HOSTNAME_MAX, HOSTNAME_MAX + 1,
     "display_host: value is too long"},
    {ST_KEY_POOL, TEXT, "", ST_GROUP_NAME_MAX, ST_GROUP_NAME_MAX + 1,
     "pool: value is too long (64 bytes; at most 63)"},
    {ST_KEY_TEMPLATE, TEXT, "/", ST_PATH_MAX, ST_PATH_MAX + 1,
     "template: value is too long (1025 bytes; at most 1024)"},
    {ST_KEY_BASE_IMAGE, TEXT, "/", ST_PATH_MAX, ST_PATH_MAX + 1, "base_image: value is too long"},
    {ST_KEY_OVERLAY_DIR, TEXT, "/", ST_PATH_MAX, ST_PATH_MAX + 1, "overlay_dir: value is too long"},
    {ST_KEY_SIZE, NUMBER, NULL, ST_POOL_MAX_VMS, ST_POOL_MAX_VMS + 1,
     "size: '1001' is not a number from 0 to 1000"},
    {ST_KEY_SIZE, NUMBER, NULL, 0, -1, "size: '-1' is not a number from 0 to 1000"},
    {ST_KEY_MAX, NUMBER, NULL, ST_POOL_MAX_VMS, ST_POOL_MAX_VMS + 1,
     "max: '1001' is not a number from 1 to 1000"},
    {ST_KEY_MAX, NUMBER, NULL, 1, 0, "max: '0' is not a number from 1 to 1000"},
    {ST_KEY_IDLE_TIMEOUT, NUMBER, NULL, ST_POOL_IDLE_MAX, ST_POOL_IDLE_MAX + 1,
     "idle_timeout: '86401' is not a number from 1 to 86400 (seconds)"},
    {ST_KEY_IDLE_TIMEOUT, NUMBER, NULL, ST_POOL_IDLE_MIN, ST_POOL_IDLE_MIN - 1,
     "idle_timeout: '0' is not a number from 1 to 86400"},
    {ST_KEY_MAX_SESSION, NUMBER, NULL, ST_SESSION_MAX_MAX, ST_SESSION_MAX_MAX + 1,
     "max_session: '604801' is not a number from 0 to 604800 (seconds)"},
    {ST_KEY_MAX_SESSION, NUMBER, NULL, 0, -1, "max_session: '-1' is not a number"},
    {ST_KEY_IDLE_LOGOUT, NUMBER, NULL, ST_SESSION_IDLE_MAX, ST_SESSION_IDLE_MAX + 1,
     "idle_logout: '86401' is not a number from 0 to 86400 (seconds)"},
    {ST_KEY_IDLE_LOGOUT, NUMBER, NULL, 0, -1, "idle_logout: '-1' is not a number"},
    {ST_KEY_RECONNECT_GRACE, NUMBER, NULL, ST_POOL_GRACE_MAX, ST_POOL_GRACE_MAX + 1,
     "reconnect_grace: '3601' is not a number from 0 to 3600 (seconds)"},
    {ST_KEY_RECONNECT_GRACE, NUMBER, NULL, 0, -1, "reconnect_grace: '-1' is not a number"},
    {ST_KEY_LIMIT_WARNING, NUMBER, NULL, ST_LIMIT_WARNING_MAX, ST_LIMIT_WARNING_MAX + 1,
     "limit_warning: '3601' is not a number from 5 to 3600 (seconds)"},
    {ST_KEY_LIMIT_WARNING, NUMBER, NULL, ST_LIMIT_WARNING_MIN, ST_LIMIT_WARNING_MIN - 1,
     "limit_warning: '4' is not a number from 5 to 3600"},
    {ST_KEY_DESKTOPS, DESKTOPS, NULL, ST_DESKTOPS_LEN_MAX, ST_DESKTOPS_LEN_MAX + 1,
     "desktops: value is too long (2049 bytes; at most 2048)"},
};

static char *limit_value(const struct limit_case *c, long n)
{
	switch (c->kind) {
	case TEXT:
		return fill(c->prefix, (size_t)n);
	case HOST:
		return fill_host((size_t)n);
	case NUMBER:
		return g_strdup_printf("%ld", n);
	case USB:
		return usb_rules((unsigned)n);
	case DESKTOPS:
		return fill_desktops((size_t)n);
	}
	return NULL;
}

static bool numeric(const struct st_keydef *k)
{
	return k->type == ST_TYPE_INT || k->type == ST_TYPE_DURATION || k->type == ST_TYPE_PORT;
}

/* Every row says what a form and the docs need. */
static void test_rows(void)
{
	unsigned policy_fields = 0;

	for (int i = 0; i < ST_KEY__COUNT; i++) {
		const struct st_keydef *k = st_keydef((enum st_key)i);

		g_test_message("key %d", i);
		g_assert_nonnull(k);
		g_assert_nonnull(k->name);
		g_assert_cmpint(st_key_lookup(k->name), ==, i);
		g_assert_cmpstr(st_key_name((enum st_key)i), ==, k->name);
		/* help: one line, short enough for a form's hint */
		g_assert_nonnull(k->help);
		g_assert_cmpuint(strlen(k->help), >, 10);
		g_assert_cmpuint(strlen(k->help), <=, 72);
		g_assert_null(strchr(k->help, '\n'));
		g_assert_nonnull(k->doc.meaning);
		g_assert_cmpuint(k->scopes, !=, 0);
		g_assert_cmpuint(k->scopes & ~(unsigned)(ST_SCOPE_MAPPING | ST_SCOPE_POOL |
							 ST_SCOPE_DESKTOP | ST_SCOPE_USER),
				 ==, 0);
		if (k->type == ST_TYPE_ENUM)
			g_assert_true(k->choices && k->choices[0] && k->choices[1]);
		if (k->inherit == ST_INHERIT_LIST)
			g_assert_cmpuint(k->max_lines, >, 1);
		/* Numbers have a range, free-form values a length limit. */
		if (numeric(k))
			g_assert_cmpint(k->min, <=, k->max);
		else if (k->type != ST_TYPE_ENUM && k->type != ST_TYPE_BOOL &&
			 k->type != ST_TYPE_ENDPOINT)
			g_assert_cmpint(k->max, >, 0);
		g_assert_true(k->check || k->type == ST_TYPE_TEXT || k->type == ST_TYPE_PATH);
		g_assert_true(!k->builtin || k->def);
		g_assert_cmpuint(k->required & ~k->scopes, ==, 0);
		g_assert_cmpstr(st_key_type_name(k->type), !=, "?");
		if (k->policy) {
			policy_fields++;
			g_assert_cmpuint(k->policy_pos, >, 0);
		} else {
			g_assert_cmpuint(k->policy_pos, ==, 0);
		}
	}
	/* Policy positions are 1..n, each once: the reply's order. */
	for (unsigned pos = 1; pos <= policy_fields; pos++) {
		unsigned n = 0;

		for (int i = 0; i < ST_KEY__COUNT; i++)
			n += st_keydef((enum st_key)i)->policy_pos == pos;
		g_assert_cmpuint(n, ==, 1);
	}
}

/* A default is a value the key's own check takes, in every section the
 * key may be written in. */
static void test_defaults(void)
{
	static const enum st_kind kinds[] = {ST_MAC, ST_GROUP, ST_POOL};
	static const unsigned scopes[] = {ST_SCOPE_STATION, ST_SCOPE_GROUP, ST_SCOPE_POOL};
	char err[320];

	for (int i = 0; i < ST_KEY__COUNT; i++) {
		const struct st_keydef *k = st_keydef((enum st_key)i);

		for (size_t s = 0; s < G_N_ELEMENTS(kinds); s++)
			g_assert_cmpint(st_key_allowed(kinds[s], (enum st_key)i, err, sizeof(err)),
					==, (k->scopes & scopes[s]) ? 0 : -1);
		if (!k->def)
			continue;
		if (st_value_check((enum st_key)i, k->def, err, sizeof(err)) < 0)
			g_test_message("%s: default '%s': %s", k->name, k->def, err);
		g_assert_cmpint(st_value_check((enum st_key)i, k->def, err, sizeof(err)), ==, 0);
	}
}

static void test_limits(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(limit_cases); i++) {
		const struct limit_case *c = &limit_cases[i];
		char *at = limit_value(c, c->at), *past = limit_value(c, c->past);
		char err[320] = "";
		int r;

		r = st_value_check(c->key, at, err, sizeof(err));
		if (r != 0)
			g_test_message("case %zu (%s at %ld): %s", i, st_key_name(c->key), c->at,
				       err);
		g_assert_cmpint(r, ==, 0);
		err[0] = '\0';
		r = st_value_check(c->key, past, err, sizeof(err));
		if (r != -1 || !strstr(err, c->msg))
			g_test_message("case %zu (%s past %ld): '%s', want '%s'", i,
				       st_key_name(c->key), c->past, err, c->msg);
		g_assert_cmpint(r, ==, -1);
		g_assert_nonnull(strstr(err, c->msg));
		g_free(at);
		g_free(past);
	}
}

/* Every limit of the table has its case above: one past max for each key
 * with a length or a range, and one below min for a range that starts
 * above 0. */
static void test_limits_covered(void)
{
	for (int i = 0; i < ST_KEY__COUNT; i++) {
		const struct st_keydef *k = st_keydef((enum st_key)i);
		bool max_case = false, min_case = false;

		if (!k->max)
			continue;
		for (size_t c = 0; c < G_N_ELEMENTS(limit_cases); c++) {
			const struct limit_case *lc = &limit_cases[c];

			if (lc->key != (enum st_key)i)
				continue;
			if (lc->kind == USB || lc->at == k->max)
				max_case = true;
			if (numeric(k) && lc->at == k->min && lc->past == k->min - 1)
				min_case = true;
		}
		if (!max_case || (numeric(k) && !min_case))
			g_test_message("%s: no limit case (max %d, min %d)", k->name, max_case,
				       min_case);
		g_assert_true(max_case);
		g_assert_true(!numeric(k) || min_case);
	}
	/* The fallback list: its lines per section. */
	GString *s = g_string_new("[default]\nhost = h\nport = 1\n");
	struct st_diags d = {0};
	struct st_doc *doc;
	struct st_config *cfg;

	for (unsigned i = 0; i < st_keydef(ST_KEY_FALLBACK)->max_lines; i++)
		g_string_append_printf(s, "fallback = vnc://h:%u\n", 5900 + i);
	doc = st_doc_parse(s->str, s->len, "s", &d);
	cfg = st_config_build(doc, NULL, &d);
	g_assert_nonnull(cfg);
	st_config_free(cfg);
	st_doc_free(doc);
	g_string_append(s, "fallback = vnc://h:1\n");
	doc = st_doc_parse(s->str, s->len, "s", &d);
	g_assert_null(st_config_build(doc, NULL, &d));
	g_assert_nonnull(strstr(d.v[0].msg, "more than 8 fallbacks"));
	st_doc_free(doc);
	st_diags_free(&d);
	g_string_free(s, TRUE);
}

/* USB filters are the station's parser's: what it refuses, the stations
 * file refuses, with its reason (the example: a blank, and 010,
 * which the old check read as octal 8 and the station as decimal 10). */
static void test_usb_filters(void)
{
	static const struct {
		const char *v;
		const char *msg; /* NULL: accepted */
	} cases[] = {
	    {ST_USB_REDIRECT_DEFAULT, NULL},
	    {"0x08,-1,-1,-1,1|10,-1,-1,-1,1", NULL},
	    {"0x08, -1,-1,-1,1|010,-1,-1,-1,1", "usb_redirect: USB filter rule 1"},
	    {"0x08,-1,-1,-1,1|010,-1,-1,-1,1", "usb_redirect: USB filter rule 2"},
	    {"0x08,-1,-1,-1,1|", "usb_redirect: USB filter"},
	    {"0x100,-1,-1,-1,1", "usb_redirect: USB filter rule 1"},
	    {"-1,-1,-1,-1,2", "usb_redirect: USB filter rule 1"},
	};
	char err[320];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int r;

		err[0] = '\0';
		r = st_value_check(ST_KEY_USB_REDIRECT, cases[i].v, err, sizeof(err));
		if ((r == 0) != !cases[i].msg || (cases[i].msg && !strstr(err, cases[i].msg)))
			g_test_message("case %zu '%s': %d '%s'", i, cases[i].v, r, err);
		g_assert_cmpint(r, ==, cases[i].msg ? -1 : 0);
		if (cases[i].msg)
			g_assert_nonnull(strstr(err, cases[i].msg));
	}
}

/* The docs' tables: every key that may be written in a scope has its row
 * there, with its limit in the values cell. */
static void test_markdown(void)
{
	static const unsigned scopes[] = {ST_SCOPE_MAPPING, ST_SCOPE_POOL};

	for (size_t s = 0; s < G_N_ELEMENTS(scopes); s++) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		st_keys_markdown(f, scopes[s]);
		fclose(f);
		/* Four cells a row: a '|' in a text would split one. */
		for (char *line = out; *line; line = strchr(line, '\n') + 1) {
			unsigned bars = 0;

			for (char *c = line; *c != '\n'; c++)
				bars += *c == '|';
			g_assert_cmpuint(bars, ==, 5);
		}
		for (int i = 0; i < ST_KEY__COUNT; i++) {
			const struct st_keydef *k = st_keydef((enum st_key)i);
			char *row = g_strdup_printf("\n| `%s` | ", k->name);
			char *limit = g_strdup_printf("%ld", k->max);

			g_assert_true((strstr(out, row) != NULL) == ((k->scopes & scopes[s]) != 0));
			if (k->max && (k->scopes & scopes[s]))
				g_assert_nonnull(strstr(strstr(out, row), limit));
			g_free(row);
			g_free(limit);
		}
		free(out);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stations-keys/rows", test_rows);
	g_test_add_func("/stations-keys/defaults", test_defaults);
	g_test_add_func("/stations-keys/limits", test_limits);
	g_test_add_func("/stations-keys/limits-covered", test_limits_covered);
	g_test_add_func("/stations-keys/usb-filters", test_usb_filters);
	g_test_add_func("/stations-keys/markdown", test_markdown);
	return g_test_run();
}
