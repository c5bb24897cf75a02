/* stationctl's output helpers: text from files and from the broker is shown
 * escaped (no terminal escapes, no forged lines), columns line up. */
#include <glib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "stationctl_table.h"
#include "stationctl_util.h"

static void test_printable(void)
{
	static const struct {
		const char *in;
		size_t outlen;
		const char *want;
	} cases[] = {
	    {"plain text", 64, "plain text"},
	    {"", 64, ""},
	    {"two\nlines", 64, "two\\nlines"},
	    {"tab\there", 64, "tab\\there"},
	    {"esc\x1b[2Jx", 64, "esc\\x1b[2Jx"},
	    {"del\x7f", 64, "del\\x7f"},
	    {"cr\rlf", 64, "cr\\x0dlf"},
	    {"utf-8 \xc3\xa4", 64, "utf-8 \xc3\xa4"},
	    {"0123456789", 8, "0123..."},
	    {"0123456", 8, "0123456"},
	    {"ab\ncd", 4, "..."},
	    /* C1 controls (U+009B is an 8-bit CSI), NEL, the line separator,
	     * and bytes that are not strict UTF-8 (overlong, surrogate, above
	     * U+10FFFF) never reach the terminal as they are. */
	    {"csi\xc2\x9b"
	     "2J",
	     64, "csi\\u009b2J"},
	    {"nel\xc2\x85", 64, "nel\\u0085"},
	    {"ls\xe2\x80\xa8 ps\xe2\x80\xa9", 64, "ls\\u2028 ps\\u2029"},
	    {"ovl\xc0\x9b", 64, "ovl\\xc0\\x9b"},
	    {"sur\xed\xa0\x80", 64, "sur\\xed\\xa0\\x80"},
	    {"big\xf4\x90\x80\x80", 64, "big\\xf4\\x90\\x80\\x80"},
	    /* A cut never splits a character or an escape. */
	    {"\xc3\xa4\xc3\xa4\xc3\xa4", 6, "\xc3\xa4..."},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[64];

		g_test_message("case %zu", i);
		stationctl_util_printable(cases[i].in, out, cases[i].outlen);
		g_assert_cmpstr(out, ==, cases[i].want);
	}
}

/* A value with spaces stays one column of a table split on blanks. */
static void test_word(void)
{
	char out[64];

	stationctl_util_word("CORP\\ann smith\xc2\x9b", out, sizeof(out));
	g_assert_cmpstr(out, ==, "CORP\\ann\\x20smith\\u009b");
}

static void test_dirname(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"/etc/vdi-station/stations.conf", "/etc/vdi-station"},
	    {"/stations.conf", "/"},
	    {"no-such-folder/b", "no-such-folder"},
	};
	g_autofree char *cwd = g_get_current_dir();
	char out[PATH_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		stationctl_util_dirname(cases[i].in, out, sizeof(out));
		g_assert_cmpstr(out, ==, cases[i].want);
	}
	/* A folder that exists becomes absolute: pool paths go to qemu-img
	 * and libvirt, which do not run in this folder. */
	stationctl_util_dirname("stations.conf", out, sizeof(out));
	g_assert_cmpstr(out, ==, cwd);
}

static char *table_text(struct stationctl_table *t, int no_header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	g_assert_nonnull(f);
	stationctl_table_print(t, f, no_header);
	fclose(f);
	return buf;
}

static void test_table(void)
{
	static const char *const header[] = {"MAC", "STATE", "NAME"};
	static const char *const r1[] = {"52:54:00:00:00:01", "connected", "Front desk"};
	static const char *const r2[] = {"52:54:00:00:00:02", NULL, "evil\n52:54:00:00:00:03 x"};
	struct stationctl_table *t = stationctl_table_new(3, header);
	char *text;

	g_assert_nonnull(t);
	g_assert_cmpint(stationctl_table_add(t, r1), ==, 0);
	g_assert_cmpint(stationctl_table_add(t, r2), ==, 0);
	g_assert_cmpuint(stationctl_table_rows(t), ==, 2);
	text = table_text(t, 0);
	g_assert_cmpstr(text, ==,
			"MAC                STATE      NAME\n"
			"52:54:00:00:00:01  connected  Front desk\n"
			"52:54:00:00:00:02  -          evil\\n52:54:00:00:00:03 x\n");
	free(text);
	text = table_text(t, 1);
	g_assert_true(g_str_has_prefix(text, "52:54:00:00:00:01"));
	free(text);
	stationctl_table_free(t);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stationctl/util/printable", test_printable);
	g_test_add_func("/stationctl/util/word", test_word);
	g_test_add_func("/stationctl/util/dirname", test_dirname);
	g_test_add_func("/stationctl/table", test_table);
	return g_test_run();
}
