/* Settings and their sources: see launcher_config.h. This file holds the
 * table of settings and applies layers over it; the layers are read by
 * launcher_config_layer.c (kernel command line, config file) and
 * launcher_config_options.c (the launcher's own command line). */
#include "launcher_config.h"

#include <stddef.h>
#include <string.h>

#include <gio/gio.h>

#include "launcher_cmdline.h"
#include "launcher_config_layer.h"
#include "launcher_file.h"
#include "log.h"
#include "netaddr.h"

GQuark launcher_config_error_quark(void)
{
	return g_quark_from_static_string("launcher-config-error");
}

enum config_type {
	CONFIG_STRING,
	CONFIG_PATH,
	CONFIG_URL,
	CONFIG_BOOL,
	CONFIG_INT,
	CONFIG_MAC,
	CONFIG_HOSTNAME,
	CONFIG_LEVEL,
};

enum {
	CONFIG_NOT_IN_FILE = 1 << 0,   /* where the file is, not what is in it */
	CONFIG_NOT_IN_KERNEL = 1 << 1, /* for tests only */
};

struct config_key {
	const char *name;
	enum config_type type;
	size_t offset;
	int min, max; /* CONFIG_INT */
	const char *def;
	int flags;
};

#define STR_KEY(n, t, d, f)                                                                        \
	{                                                                                          \
#n, t, offsetof(LauncherConfig, n), 0, 0, d, f                                     \
	}
#define INT_KEY(n, lo, hi, d)                                                                      \
	{                                                                                          \
#n, CONFIG_INT, offsetof(LauncherConfig, n), lo, hi, d, 0                          \
	}

static const struct config_key config_keys[] = {
    STR_KEY(broker, CONFIG_URL, NULL, 0),
    STR_KEY(ca, CONFIG_PATH, NULL, 0),
    STR_KEY(insecure, CONFIG_BOOL, "no", 0),
    STR_KEY(mac, CONFIG_MAC, NULL, 0),
    STR_KEY(hostname, CONFIG_HOSTNAME, NULL, 0),
    STR_KEY(status_file, CONFIG_PATH, NULL, 0),
    STR_KEY(windowed, CONFIG_BOOL, "no", 0),
    STR_KEY(kiosk, CONFIG_BOOL, "yes", 0),
    STR_KEY(config, CONFIG_PATH, LAUNCHER_CONFIG_DEFAULT_FILE, CONFIG_NOT_IN_FILE),
    STR_KEY(branding, CONFIG_PATH, LAUNCHER_CONFIG_DEFAULT_BRANDING, 0),
    STR_KEY(log_level, CONFIG_LEVEL, "info", 0),
    INT_KEY(retry_base, 1, 600, "2"),
    INT_KEY(retry_max, 1, 3600, "60"),
    INT_KEY(refresh, 0, 86400, "60"),
    INT_KEY(connect_timeout, 1, 300, "10"),
    STR_KEY(audio, CONFIG_BOOL, "yes", 0),
    STR_KEY(usb, CONFIG_BOOL, "yes", 0),
    STR_KEY(share_cd, CONFIG_PATH, NULL, 0),
    STR_KEY(reboot_cmd, CONFIG_STRING, "/sbin/reboot", 0),
    STR_KEY(poweroff_cmd, CONFIG_STRING, "/sbin/poweroff", 0),
    STR_KEY(sysroot, CONFIG_PATH, NULL, CONFIG_NOT_IN_FILE | CONFIG_NOT_IN_KERNEL),
    /* One desktop for one run, chosen by whoever starts the launcher by
     * hand: not a station setting. */
    STR_KEY(connect, CONFIG_PATH, NULL, CONFIG_NOT_IN_FILE | CONFIG_NOT_IN_KERNEL),
};
#define N_KEYS G_N_ELEMENTS(config_keys)

static const struct config_key *config_key_find(const char *name, size_t *index)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(config_keys[i].name, name) == 0) {
			if (index)
				*index = i;
			return &config_keys[i];
		}
	}
	return NULL;
}
static gboolean config_parse_bool(const char *v, gboolean *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(v, yes[i]) == 0) {
			*out = TRUE;
			return TRUE;
		}
		if (g_ascii_strcasecmp(v, no[i]) == 0) {
			*out = FALSE;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean config_url_ok(const char *v)
{
	const char *host;

	if (g_str_has_prefix(v, "https://"))
		host = v + 8;
	else if (g_str_has_prefix(v, "http://"))
		host = v + 7;
	else
		return FALSE;
	if (*host == '\0' || *host == '/' || *host == ':')
		return FALSE;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return FALSE;
	return strlen(v) <= 2048;
}

/* Checks v for the key's type and stores it at the key's place in cfg.
 * FALSE with *why when it does not fit. */
static gboolean config_set(LauncherConfig *cfg, const struct config_key *k, const char *v,
			   const char **why)
{
	void *field = (char *)cfg + k->offset;
	uint8_t mac[6];

	switch (k->type) {
	case CONFIG_BOOL:
		if (!config_parse_bool(v, field)) {
			*why = "expected yes or no";
			return FALSE;
		}
		return TRUE;
	case CONFIG_INT: {
		gint64 n;
		if (!g_ascii_string_to_signed(v, 10, k->min, k->max, &n, NULL)) {
			*why = "not a number in range";
			return FALSE;
		}
		*(int *)field = (int)n;
		return TRUE;
	}
	case CONFIG_URL:
		if (!config_url_ok(v)) {
			*why = "expected https://HOST[:PORT][/PATH]";
			return FALSE;
		}
		break;
	case CONFIG_MAC:
		if (mac_parse(v, mac) < 0) {
			*why = "not a MAC address";
			return FALSE;
		}
		break;
	case CONFIG_HOSTNAME:
		if (!hostname_valid(v)) {
			*why = "not a host name";
			return FALSE;
		}
		break;
	case CONFIG_LEVEL:
		if (log_level_parse(v) < 0) {
			*why = "expected debug, info, warn or error";
			return FALSE;
		}
		break;
	case CONFIG_PATH:
	case CONFIG_STRING:
		if (strlen(v) > 4096) {
			*why = "too long";
			return FALSE;
		}
		break;
	}
	g_free(*(char **)field);
	/* An empty string unsets a path ("status_file =" in a file). */
	*(char **)field = (*v || k->type != CONFIG_PATH) ? g_strdup(v) : NULL;
	return TRUE;
}

LauncherConfig *launcher_config_new(void)
{
	LauncherConfig *cfg = g_new0(LauncherConfig, 1);

	cfg->sources = g_new0(char *, N_KEYS + 1);
	cfg->warnings = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < N_KEYS; i++) {
		const char *why;
		cfg->sources[i] = g_strdup("default");
		if (config_keys[i].def &&
		    !config_set(cfg, &config_keys[i], config_keys[i].def, &why))
			g_error("default of %s: %s", config_keys[i].name, why);
	}
	return cfg;
}

void launcher_config_free(LauncherConfig *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type != CONFIG_BOOL && k->type != CONFIG_INT)
			g_free(*(char **)((char *)cfg + k->offset));
	}
	g_strfreev(cfg->sources);
	g_ptr_array_unref(cfg->warnings);
	g_free(cfg);
}

gboolean launcher_config_apply(LauncherConfig *cfg, const LauncherConfigLayer *l, gboolean strict,
			       GError **error)
{
	gboolean in_file =
	    strcmp(l->source, "command line") != 0 && strcmp(l->source, "kernel command line") != 0;
	gboolean in_kernel = strcmp(l->source, "kernel command line") == 0;

	for (guint i = 0; i < l->items->len; i++) {
		const struct config_item *it = &g_array_index(l->items, struct config_item, i);
		g_autofree char *where = it->where ? g_strdup_printf("%s:%s", l->source, it->where)
						   : g_strdup(l->source);
		const struct config_key *k;
		const char *why = NULL;
		size_t idx;

		if (strcmp(it->key, "version") == 0)
			continue;
		k = config_key_find(it->key, &idx);
		if (!k || (in_file && (k->flags & CONFIG_NOT_IN_FILE)) ||
		    (in_kernel && (k->flags & CONFIG_NOT_IN_KERNEL))) {
			if (strict) {
				g_set_error(error, LAUNCHER_CONFIG_ERROR,
					    LAUNCHER_CONFIG_ERROR_UNKNOWN_KEY,
					    "%s: unknown setting '%s'", where, it->key);
				return FALSE;
			}
			g_ptr_array_add(
			    cfg->warnings,
			    g_strdup_printf("%s: unknown setting '%s' ignored", where, it->key));
			continue;
		}
		if (!config_set(cfg, k, it->value, &why)) {
			if (strict) {
				g_set_error(error, LAUNCHER_CONFIG_ERROR,
					    LAUNCHER_CONFIG_ERROR_BAD_VALUE, "%s: %s: %s", where,
					    it->key, why);
				return FALSE;
			}
			g_ptr_array_add(cfg->warnings, g_strdup_printf("%s: %s: %s, ignored", where,
								       it->key, why));
			continue;
		}
		g_free(cfg->sources[idx]);
		cfg->sources[idx] = g_steal_pointer(&where);
	}
	return TRUE;
}

gboolean launcher_config_load(LauncherConfig *cfg, int *argc, char ***argv, GOptionGroup *extra,
			      GError **error)
{
	g_autoptr(LauncherConfigLayer) cli = NULL;
	g_autoptr(LauncherConfigLayer) kernel = NULL;
	g_autoptr(LauncherConfigLayer) file = NULL;
	g_autoptr(GError) file_error = NULL;
	g_autofree char *cmdline_path = NULL, *cmdline = NULL, *path = NULL, *text = NULL;
	const char *sysroot, *config_path;
	gboolean explicit_file = FALSE;

	cli = launcher_config_layer_from_args(argc, argv, extra, error);
	if (!cli)
		return FALSE;
	/* The command line is checked first, on its own, so that a typo in
	 * an option is reported even though it is applied last. */
	{
		g_autoptr(LauncherConfig) probe = launcher_config_new();
		if (!launcher_config_apply(probe, cli, TRUE, error))
			return FALSE;
	}
	sysroot = launcher_config_layer_get(cli, "sysroot");
	cmdline_path = launcher_file_under(sysroot, "/proc/cmdline");
	cmdline = launcher_cmdline_read(cmdline_path);
	kernel = launcher_config_layer_from_cmdline(cmdline);

	config_path = launcher_config_layer_get(cli, "config");
	if (!config_path)
		config_path = launcher_config_layer_get(kernel, "config");
	if (config_path) {
		explicit_file = TRUE;
		path = g_strdup(config_path);
	} else {
		path = launcher_file_under(sysroot, LAUNCHER_CONFIG_DEFAULT_FILE);
	}
	text = launcher_file_read(path, LAUNCHER_CONFIG_FILE_MAX, FALSE, &file_error);
	if (text) {
		file = launcher_config_layer_from_text(text, path, &file_error);
		if (file && !launcher_config_apply(cfg, file, FALSE, error))
			return FALSE;
	}
	if (file_error &&
	    (explicit_file || !g_error_matches(file_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))) {
		/* A station with a broken config file still comes up and
		 * says so; the settings from elsewhere still apply. */
		g_ptr_array_add(cfg->warnings, g_strdup(file_error->message));
	}
	if (!launcher_config_apply(cfg, kernel, FALSE, error) ||
	    !launcher_config_apply(cfg, cli, TRUE, error))
		return FALSE;
	g_free(cfg->config);
	cfg->config = g_strdup(path);
	cfg->version = launcher_config_layer_get(cli, "version") != NULL;
	/* Kiosk follows --windowed unless set explicitly. */
	if (strcmp(launcher_config_source(cfg, "kiosk"), "default") == 0)
		cfg->kiosk = !cfg->windowed;
	return TRUE;
}

const char *launcher_config_source(const LauncherConfig *cfg, const char *key)
{
	size_t idx;

	if (!config_key_find(key, &idx))
		return "?";
	return cfg->sources[idx];
}

char *launcher_config_describe(const LauncherConfig *cfg)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct config_key *k = &config_keys[i];
		const void *field = (const char *)cfg + k->offset;

		g_string_append_printf(s, "%s = ", k->name);
		if (k->type == CONFIG_BOOL)
			g_string_append(s, *(const gboolean *)field ? "yes" : "no");
		else if (k->type == CONFIG_INT)
			g_string_append_printf(s, "%d", *(const int *)field);
		else
			g_string_append(s,
					*(char *const *)field ? *(char *const *)field : "(unset)");
		g_string_append_printf(s, "  (%s)\n", cfg->sources[i]);
	}
	return g_string_free(s, FALSE);
}
