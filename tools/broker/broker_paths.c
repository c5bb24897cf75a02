/* Default places of the admin socket and the state: see broker_paths.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "broker_paths.h"
#include "log.h"
#include "privdir.h"

#define PATHS_STATE_CANDIDATES 3

int broker_paths_admin_socket(const struct broker_opts *o, char out[ADMIN_PATH_MAX], char *err,
			      size_t errlen)
{
	char dirs[ADMIN_PATH_DIRS][ADMIN_PATH_MAX], why[1024];
	size_t n;
	int i;

	if (o->admin_socket_given) {
		if (admin_path_check_given(o->admin_socket, err, errlen) < 0)
			return -1;
		snprintf(out, ADMIN_PATH_MAX, "%s", o->admin_socket);
		return 0;
	}
	n = admin_path_dirs(dirs, ADMIN_PATH_DIRS);
	i = admin_path_make((const char(*)[ADMIN_PATH_MAX])dirs, n, out, ADMIN_PATH_MAX, why,
			    sizeof(why));
	if (i < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (i > 0)
		log_event(LOG_WARN, "admin-socket", "path", out, "passed_over", why, "note",
			  "the default folder cannot be made or used by this user; stationctl "
			  "looks here too",
			  NULL);
	return 0;
}

/* Makes the folders between base and path (XDG: mode 0700), so that
 * ~/.local/state exists on a fresh account. Errors show in privdir_ensure. */
static void paths_make_parents(const char *path, size_t base)
{
	char p[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(p))
		return;
	memcpy(p, path, len + 1);
	for (size_t i = base + 1; i < len; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		mkdir(p, 0700);
		p[i] = '/';
	}
}

/* Reasons for the log, "; " between them; a long list is cut, not lost. */
static void paths_append(char *buf, size_t size, const char *s)
{
	size_t used = strlen(buf);

	if (used + 3 < size && snprintf(buf + used, size - used, "%s%s", used ? "; " : "", s) < 0)
		buf[used] = '\0';
}

int broker_paths_state_dir(const struct broker_opts *o, char out[PATH_MAX], char *err,
			   size_t errlen)
{
	char cand[PATHS_STATE_CANDIDATES][PATH_MAX], why[2048], e[PATH_MAX + 160];
	size_t base[PATHS_STATE_CANDIDATES], n = 0;
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (o->state_dir_given) {
		snprintf(out, PATH_MAX, "%s", o->state_dir);
		return 0;
	}
	snprintf(cand[n], PATH_MAX, "%s", BROKER_STATE_DIR_DEFAULT);
	base[n++] = strlen(cand[0]);
	if (xdg && xdg[0] == '/' && strlen(xdg) < PATH_MAX - 16) {
		base[n] = strlen(xdg);
		snprintf(cand[n++], PATH_MAX, "%s/vdi-broker", xdg);
	}
	if (home && home[0] == '/' && strlen(home) < PATH_MAX - 32) {
		base[n] = strlen(home);
		snprintf(cand[n++], PATH_MAX, "%s/.local/state/vdi-broker", home);
	}
	why[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		enum privdir_result r;

		if (i > 0)
			paths_make_parents(cand[i], base[i]);
		r = privdir_ensure(cand[i], PRIVDIR_FOLLOW, e, sizeof(e));
		if (r == PRIVDIR_OK) {
			/* Each candidate was written with snprintf(PATH_MAX). */
			memcpy(out, cand[i], strlen(cand[i]) + 1);
			if (i > 0)
				log_event(
				    LOG_WARN, "state-dir", "path", out, "passed_over", why, "note",
				    "the default folder cannot be made or used by this user; pools "
				    "keep their state here",
				    NULL);
			return 0;
		}
		if (r == PRIVDIR_REFUSED) {
			snprintf(err, errlen, "%s", e);
			return -1;
		}
		paths_append(why, sizeof(why), e);
	}
	snprintf(err, errlen, "%s", why);
	return -1;
}
