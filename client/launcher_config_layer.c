/* Layers of settings from the kernel command line and the config file:
 * see launcher_config.h. */
#include "launcher_config_layer.h"

#include <string.h>

#include "launcher_cmdline.h"

static void config_item_clear(gpointer p)
{
	struct config_item *it = p;
	g_free(it->key);
	g_free(it->value);
	g_free(it->where);
}

LauncherConfigLayer *launcher_config_layer_new(const char *source)
{
	LauncherConfigLayer *l = g_new0(LauncherConfigLayer, 1);
	l->source = g_strdup(source);
	l->items = g_array_new(FALSE, TRUE, sizeof(struct config_item));
	g_array_set_clear_func(l->items, config_item_clear);
	return l;
}

void launcher_config_layer_free(LauncherConfigLayer *l)
{
	if (!l)
		return;
	g_array_unref(l->items);
	g_free(l->source);
	g_free(l);
}

void launcher_config_layer_add(LauncherConfigLayer *l, const char *key, const char *value,
			       const char *where)
{
	struct config_item it = {g_strdup(key), g_strdup(value), g_strdup(where)};

	/* Dashes and underscores are the same ("status-file", "status_file"). */
	g_strdelimit(it.key, "-", '_');
	g_array_append_val(l->items, it);
}

const char *launcher_config_layer_get(const LauncherConfigLayer *l, const char *key)
{
	const char *v = NULL;

	for (guint i = 0; i < l->items->len; i++) {
		const struct config_item *it = &g_array_index(l->items, struct config_item, i);
		if (strcmp(it->key, key) == 0)
			v = it->value;
	}
	return v;
}

static void config_cmdline_word(const char *key, const char *value, gpointer user_data)
{
	LauncherConfigLayer *l = user_data;

	if (value && g_str_has_prefix(key, "vdi."))
		launcher_config_layer_add(l, key + 4, value, NULL);
}

LauncherConfigLayer *launcher_config_layer_from_cmdline(const char *cmdline)
{
	LauncherConfigLayer *l = launcher_config_layer_new("kernel command line");

	if (cmdline)
		launcher_cmdline_foreach(cmdline, config_cmdline_word, l);
	return l;
}

/* A value in double quotes keeps its blanks; \" and \\ are its escapes. */
static gboolean config_unquote(const char *v, char **out)
{
	size_t n = strlen(v);
	GString *s;

	if (n == 0 || v[0] != '"') {
		*out = g_strdup(v);
		return TRUE;
	}
	if (n < 2 || v[n - 1] != '"')
		return FALSE;
	s = g_string_sized_new(n);
	for (size_t i = 1; i < n - 1; i++) {
		if (v[i] == '\\' && i + 1 < n - 1 && (v[i + 1] == '"' || v[i + 1] == '\\'))
			i++;
		else if (v[i] == '"')
			goto bad;
		g_string_append_c(s, v[i]);
	}
	*out = g_string_free(s, FALSE);
	return TRUE;
bad:
	g_string_free(s, TRUE);
	return FALSE;
}

LauncherConfigLayer *launcher_config_layer_from_text(const char *text, const char *path,
						     GError **error)
{
	g_autoptr(LauncherConfigLayer) l = launcher_config_layer_new(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		char *eq, *key, *value = NULL, where[32];

		if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			g_set_error(error, LAUNCHER_CONFIG_ERROR, LAUNCHER_CONFIG_ERROR_SYNTAX,
				    "%s:%u: expected key = value", path, i + 1);
			return NULL;
		}
		*eq = '\0';
		key = g_strstrip(line);
		if (!config_unquote(g_strstrip(eq + 1), &value)) {
			g_set_error(error, LAUNCHER_CONFIG_ERROR, LAUNCHER_CONFIG_ERROR_SYNTAX,
				    "%s:%u: unbalanced quotes", path, i + 1);
			return NULL;
		}
		g_snprintf(where, sizeof(where), "%u", i + 1);
		launcher_config_layer_add(l, key, value, where);
		g_free(value);
	}
	return g_steal_pointer(&l);
}
