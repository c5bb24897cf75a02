/* Status file and state log: see launcher_status.h. */
#include "launcher_status.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "log.h"

#define STATUS_MAX_PAIRS 8

struct LauncherStatus {
	char *path;
	LauncherState state;
	char *line;
	gboolean write_failed; /* warn once, not on every change */
};

static const char *const status_names[] = {
    [LAUNCHER_STATE_STARTING_UP] = "startup",	[LAUNCHER_STATE_IDLE] = "idle",
    [LAUNCHER_STATE_QUERYING] = "querying",	[LAUNCHER_STATE_STARTING] = "starting",
    [LAUNCHER_STATE_CONNECTING] = "connecting", [LAUNCHER_STATE_CONNECTED] = "connected",
    [LAUNCHER_STATE_MESSAGE] = "message",	[LAUNCHER_STATE_ERROR] = "error",
    [LAUNCHER_STATE_STOPPED] = "stopped",	[LAUNCHER_STATE_CHOOSING] = "choosing",
};

const char *launcher_state_name(LauncherState state)
{
	if ((size_t)state < G_N_ELEMENTS(status_names) && status_names[state])
		return status_names[state];
	return "?";
}

LauncherStatus *launcher_status_new(const char *path)
{
	LauncherStatus *st = g_new0(LauncherStatus, 1);

	st->path = g_strdup(path);
	st->state = LAUNCHER_STATE_STARTING_UP;
	st->line = g_strdup("state=startup");
	return st;
}

void launcher_status_free(LauncherStatus *st)
{
	if (!st)
		return;
	g_free(st->path);
	g_free(st->line);
	g_free(st);
}

LauncherState launcher_status_get(const LauncherStatus *st)
{
	return st->state;
}

const char *launcher_status_line(const LauncherStatus *st)
{
	return st->line;
}

/* The file is read by scripts that split on blanks and '=': values never
 * contain either (nor quotes or control characters). */
static void status_append_value(GString *s, const char *v)
{
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		g_string_append_c(s, (c <= ' ' || c == '=' || c == '"' || c == '\\' || c >= 0x7f)
					 ? '_'
					 : (char)c);
	}
}

void launcher_status_set(LauncherStatus *st, LauncherState state, ...)
{
	const char *keys[STATUS_MAX_PAIRS + 1] = {0}, *vals[STATUS_MAX_PAIRS + 1] = {0};
	GString *line = g_string_new("state=");
	char since[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t n = 0;
	va_list ap;

	status_append_value(line, launcher_state_name(state));
	va_start(ap, state);
	for (;;) {
		const char *k = va_arg(ap, const char *), *v;
		if (!k)
			break;
		v = va_arg(ap, const char *);
		if (!v || n == STATUS_MAX_PAIRS)
			continue;
		keys[n] = k;
		vals[n++] = v;
		g_string_append_c(line, ' ');
		status_append_value(line, k);
		g_string_append_c(line, '=');
		status_append_value(line, v);
	}
	va_end(ap);

	/* Same state, same details: nothing to tell anyone. */
	if (state == st->state && g_str_has_prefix(st->line, line->str) &&
	    strstr(st->line + line->len, " since=") == st->line + line->len) {
		g_string_free(line, TRUE);
		return;
	}
	gmtime_r(&now, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	g_string_append_printf(line, " since=%s", since);
	st->state = state;
	g_free(st->line);
	st->line = g_string_free(line, FALSE);

	log_event(LOG_INFO, "state", "state", launcher_state_name(state), keys[0], vals[0], keys[1],
		  vals[1], keys[2], vals[2], keys[3], vals[3], keys[4], vals[4], keys[5], vals[5],
		  keys[6], vals[6], keys[7], vals[7], NULL);
	if (st->path) {
		g_autofree char *data = g_strdup_printf("%s\n", st->line);
		if (file_replace_atomic(st->path, data, strlen(data), 0644, 0) < 0) {
			if (!st->write_failed)
				log_event(LOG_WARN, "status_file", "path", st->path, "error",
					  g_strerror(errno), NULL);
			st->write_failed = TRUE;
		} else {
			st->write_failed = FALSE;
		}
	}
}
