/* The launcher's settings and where each one came from.
 *
 * Sources, highest first: the command line, vdi.* words on the kernel
 * command line, the config file, built-in defaults. Every setting has one
 * name used everywhere: `broker` is --broker on the command line,
 * vdi.broker= on the kernel command line and `broker = ...` in the file. */
#ifndef LAUNCHER_CONFIG_H
#define LAUNCHER_CONFIG_H

#include <glib.h>

#define LAUNCHER_CONFIG_DEFAULT_FILE	 "/etc/vdi-station/launcher.conf"
#define LAUNCHER_CONFIG_DEFAULT_BRANDING "/usr/share/vdi-station/branding"
#define LAUNCHER_CONFIG_FILE_MAX	 (64 * 1024)

typedef struct {
	char *broker;	   /* https://host[:port] */
	char *ca;	   /* PEM file: the only trust anchor for the broker */
	gboolean insecure; /* allow a plain http:// broker */
	char *mac;	   /* override of the discovered MAC */
	char *hostname;	   /* override of the discovered host name */
	char *status_file;
	gboolean windowed; /* a normal window, for development */
	gboolean kiosk;	   /* ignore Ctrl+C and the like; default: !windowed */
	char *config;	   /* the config file that was read */
	char *branding;	   /* folder with launcher.css and logo */
	char *log_level;
	int retry_base; /* first back-off delay, seconds */
	int retry_max;	/* longest wait before any retry, seconds */
	int refresh;	/* re-ask the broker while idle, seconds; 0: never */
	int connect_timeout;
	gboolean audio;
	gboolean usb;
	char *share_cd; /* an ISO image offered to the desktop as a USB CD-ROM */
	char *reboot_cmd;
	char *poweroff_cmd;
	char *sysroot;	  /* tests: where /proc, /sys and /etc are */
	char *connect;	  /* --connect: a virt-viewer file instead of the broker */
	gboolean version; /* --version: print it and exit */

	/* Parallel to the key table: where each value came from ("default",
	 * "command line", "kernel command line", "FILE:LINE"). */
	char **sources;
	/* Values that were ignored, as "SOURCE: key: reason" lines. */
	GPtrArray *warnings;
} LauncherConfig;

/* A set of key=value settings from one source. */
typedef struct LauncherConfigLayer LauncherConfigLayer;

#define LAUNCHER_CONFIG_ERROR (launcher_config_error_quark())
GQuark launcher_config_error_quark(void);
enum {
	LAUNCHER_CONFIG_ERROR_UNKNOWN_KEY,
	LAUNCHER_CONFIG_ERROR_BAD_VALUE,
	LAUNCHER_CONFIG_ERROR_SYNTAX,
	LAUNCHER_CONFIG_ERROR_FILE,
};

/* The defaults. */
LauncherConfig *launcher_config_new(void);
void launcher_config_free(LauncherConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LauncherConfig, launcher_config_free)

LauncherConfigLayer *launcher_config_layer_new(const char *source);
void launcher_config_layer_free(LauncherConfigLayer *layer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LauncherConfigLayer, launcher_config_layer_free)
/* Adds one setting; where is the source's location for messages (a line
 * number), or NULL. */
void launcher_config_layer_add(LauncherConfigLayer *layer, const char *key, const char *value,
			       const char *where);
/* The value of key in the layer, or NULL. */
const char *launcher_config_layer_get(const LauncherConfigLayer *layer, const char *key);

/* The vdi.* words of a kernel command line ("vdi.broker=..." -> broker). */
LauncherConfigLayer *launcher_config_layer_from_cmdline(const char *cmdline);

/* A config file's text: "key = value" lines, '#' comments, values optionally
 * in double quotes. NULL with error on a syntax error. */
LauncherConfigLayer *launcher_config_layer_from_text(const char *text, const char *path,
						     GError **error);

/* The command line; argv is left with what is not an option. extra, when
 * given, is added as an option group; without it, unknown options are left
 * in argv (for gtk_init, which must then leave nothing). NULL with error on
 * bad usage. */
LauncherConfigLayer *launcher_config_layer_from_args(int *argc, char ***argv, GOptionGroup *extra,
						     GError **error);

/* Applies a layer over cfg: each of its settings replaces the current value.
 * With strict, an unknown key or bad value is an error (the command line);
 * otherwise it is skipped and noted in cfg->warnings (a station must still
 * come up with a typo in its config file). */
gboolean launcher_config_apply(LauncherConfig *cfg, const LauncherConfigLayer *layer,
			       gboolean strict, GError **error);

/* Everything: parses argv, reads SYSROOT/proc/cmdline and the config file
 * (--config, else vdi.config, else the default; a missing default file is
 * fine) and applies them in order. */
gboolean launcher_config_load(LauncherConfig *cfg, int *argc, char ***argv, GOptionGroup *extra,
			      GError **error);

/* For the diagnostics screen: "key = value (source)" for every key,
 * one per line. */
char *launcher_config_describe(const LauncherConfig *cfg);

/* Where key's current value came from. */
const char *launcher_config_source(const LauncherConfig *cfg, const char *key);

#endif
