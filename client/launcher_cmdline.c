/* The kernel command line: see launcher_cmdline.h. */
#include "launcher_cmdline.h"

#include <string.h>

#include "launcher_file.h"

void launcher_cmdline_foreach(const char *cmdline, LauncherCmdlineFunc fn, gpointer user_data)
{
	const char *p = cmdline;
	size_t len = strnlen(cmdline, LAUNCHER_CMDLINE_MAX);
	const char *end = cmdline + len;
	GString *word = g_string_sized_new(64);

	while (p < end) {
		gboolean quoted = FALSE;
		char *eq;

		while (p < end && g_ascii_isspace(*p))
			p++;
		if (p == end)
			break;
		g_string_truncate(word, 0);
		for (; p < end && (quoted || !g_ascii_isspace(*p)); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				g_string_append_c(word, *p);
		}
		eq = strchr(word->str, '=');
		if (eq) {
			*eq = '\0';
			fn(word->str, eq + 1, user_data);
		} else {
			fn(word->str, NULL, user_data);
		}
	}
	g_string_free(word, TRUE);
}

struct cmdline_get {
	const char *key;
	char *value;
};

static void launcher_cmdline_get_one(const char *key, const char *value, gpointer user_data)
{
	struct cmdline_get *g = user_data;

	if (value && strcmp(key, g->key) == 0) {
		g_free(g->value);
		g->value = g_strdup(value);
	}
}

char *launcher_cmdline_get(const char *cmdline, const char *key)
{
	struct cmdline_get g = {key, NULL};

	if (!cmdline)
		return NULL;
	launcher_cmdline_foreach(cmdline, launcher_cmdline_get_one, &g);
	return g.value;
}

char *launcher_cmdline_read(const char *path)
{
	return launcher_file_read(path, LAUNCHER_CMDLINE_MAX, TRUE, NULL);
}
