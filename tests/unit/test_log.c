/* The log line as an admin's terminal (or a log viewer) gets it: values a
 * station chose cannot start a new line or reach the terminal as a control
 * sequence. C0 and DEL are written \xNN, C1 (the 8-bit CSI U+009B, NEL
 * U+0085) and U+2028/U+2029 \uNNNN, bytes that are not strict UTF-8 \xNN;
 * ordinary non-ASCII text stays as it is. The line is read back from the
 * real stderr the logger writes to. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Logs one event with value v into line (NUL-terminated). */
static void logged(const char *v, char *line, size_t size)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	g_assert_nonnull(f);
	fflush(stderr);
	g_assert_cmpint(dup2(fileno(f), STDERR_FILENO), >=, 0);
	log_event(LOG_INFO, "test", "v", v, NULL);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(line, 1, size - 1, f);
	line[n] = '\0';
	fclose(f);
}

static void test_escapes(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"plain", " v=plain\n"},
	    {"two\nlines", " v=\"two\\x0alines\"\n"},
	    {"esc\x1b[2J", " v=\"esc\\x1b[2J\"\n"},
	    {"csi\xc2\x9b"
	     "2J",
	     " v=\"csi\\u009b2J\"\n"},
	    {"nel\xc2\x85", " v=\"nel\\u0085\"\n"},
	    {"ls\xe2\x80\xa8ps\xe2\x80\xa9", " v=\"ls\\u2028ps\\u2029\"\n"},
	    {"ovl\xc0\x9b", " v=\"ovl\\xc0\\x9b\"\n"},
	    {"sur\xed\xa0\x80", " v=\"sur\\xed\\xa0\\x80\"\n"},
	    {"big\xf4\x90\x80\x80", " v=\"big\\xf4\\x90\\x80\\x80\"\n"},
	    {"cut\xe2\x80", " v=\"cut\\xe2\\x80\"\n"},
	    {"Gr\xc3\xbc\xc3\x9f\x65 \xe2\x9c\x93", " v=\"Gr\xc3\xbc\xc3\x9f\x65 \xe2\x9c\x93\"\n"},
	    {"quote\"back\\", " v=\"quote\\\"back\\\\\"\n"},
	};

	log_init("test", LOG_DEBUG);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char line[512];
		size_t n;
		const char *at;

		logged(cases[i].in, line, sizeof(line));
		n = strlen(line);
		at = strstr(line, " v=");

		g_test_message("case %zu: %s", i, line);
		g_assert_nonnull(at);
		g_assert_cmpstr(at, ==, cases[i].want);
		/* One line, whatever the value. */
		g_assert_true(strchr(line, '\n') == line + n - 1);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/escapes", test_escapes);
	return g_test_run();
}
