/* explain --user U [--groups G,...] STATION: what a user gets at a station
 * and why, from the same resolution the broker answers logins with
 * (stations_user.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "stations_keys.h"
#include "stations_user.h"
#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

#define STATIONCTL_EXPLAIN_GROUPS_MAX 64

/* One line for what a desktop is: its primary endpoint or where that is
 * found at lookup time. */
static void stationctl_explain_what(const struct st_entry *e, char *out, size_t len)
{
	char a[256], b[256];

	if (e->pool) {
		snprintf(out, len, "a one-time VM of pool %s", e->pool->name);
	} else if (e->domain) {
		stationctl_util_printable(e->domain, a, sizeof(a));
		stationctl_util_printable(e->libvirt_uri, b, sizeof(b));
		snprintf(out, len, "libvirt domain %s at %s", a, b);
	} else if (e->connection_file || e->connection_url) {
		stationctl_util_printable(
		    e->connection_file ? e->connection_file : e->connection_url, a, sizeof(a));
		snprintf(out, len, "the desktop of connection %s %s",
			 e->connection_file ? "file" : "URL", a);
	} else if (e->n_endpoints) {
		stationctl_util_endpoint(&e->endpoints[0], a, sizeof(a));
		stationctl_util_printable(a, out, len);
	} else {
		snprintf(out, len, "no desktop of its own");
	}
	if (e->maintenance && strlen(out) + 20 < len)
		strcat(out, " (in maintenance)");
}

/* The station: a section header that names a station section, else a
 * station's identity (a MAC, an IP, a host name) resolved as the broker
 * would. */
static const struct st_entry *stationctl_explain_station(const struct st_config *cfg,
							 const char *arg)
{
	struct st_target t;
	char err[300];
	uint8_t mac[6];
	struct ipaddr ip;
	const struct st_entry *e;

	if (st_target_parse(arg, &t, err, sizeof(err)) == 0 && (e = st_config_find(cfg, &t))) {
		if (e->target.kind >= ST_GROUP)
			return NULL;
		return e;
	}
	if (mac_parse(arg, mac) == 0)
		return st_config_match(cfg, mac, NULL, NULL);
	if (ip_parse(arg, &ip) == 0)
		return st_config_match(cfg, NULL, &ip, NULL);
	if (hostname_valid(arg))
		return st_config_match(cfg, NULL, NULL, arg);
	return NULL;
}

static void stationctl_explain_print(const struct st_entry *st, const char *user,
				     char *const *groups, size_t n_groups,
				     const struct st_user_desktops *r)
{
	char what[700], shown[300], origin[ST_TARGET_MAX + 40];

	if (r->decided_by.section)
		snprintf(origin, sizeof(origin), "[%s], line %u", r->decided_by.section,
			 r->decided_by.line);
	else
		snprintf(origin, sizeof(origin), "built-in default");
	stationctl_util_printable(user, shown, sizeof(shown));
	printf("station [%s] (%s section, line %u)\n", st->target.text,
	       st_kind_name(st->target.kind), st->line);
	printf("user %s", shown);
	for (size_t i = 0; i < n_groups; i++) {
		char g[200];

		stationctl_util_printable(groups[i], g, sizeof(g));
		printf("%s%s", i ? ", " : ", in groups ", g);
	}
	printf("\n");
	if (!st->login_broker)
		printf("login = %s: nobody logs in here; every station user gets its own "
		       "desktop\n",
		       st->values[ST_KEY_LOGIN]);
	printf("desktop_from = %s (%s)\n", st->desktop_from_user ? "user" : "station", origin);
	stationctl_explain_what(st, what, sizeof(what));
	switch (r->source) {
	case ST_USER_FROM_STATION:
		printf("%s gets the station's own desktop, whoever logs in: %s\n", shown, what);
		return;
	case ST_USER_FALLBACK:
		printf("%s has no desktops of their own (no [user:NAME] section and no "
		       "[usergroup:NAME] of theirs names one), so the station's own: %s\n",
		       shown, what);
		return;
	case ST_USER_NONE:
		printf("%s has no desktops of their own and the station has none: the login is "
		       "refused with \"No desktop is assigned to you.\"\n",
		       shown);
		return;
	case ST_USER_FROM_USER:
		break;
	}
	if (r->n == 1)
		printf("%s gets 1 desktop, answered at once:\n", shown);
	else
		printf("%s gets %zu desktops, chosen on the station's chooser (the first is "
		       "the first choice):\n",
		       shown, r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct st_user_desktop *d = &r->v[i];
		char label[200];

		stationctl_explain_what(d->desktop, what, sizeof(what));
		stationctl_util_printable(d->desktop->name ? d->desktop->name
							   : st_user_desktop_id(d->desktop),
					  label, sizeof(label));
		printf("  %zu. %s \"%s\": %s\n     from [%s], line %u\n", i + 1,
		       st_user_desktop_id(d->desktop), label, what, d->from->target.text, d->line);
	}
}

int stationctl_explain_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"groups", required_argument, NULL, 'g'},
	    {NULL, 0, NULL, 0},
	};
	struct st_config *cfg = NULL;
	const struct st_entry *st;
	const char *user = NULL;
	char *glist = NULL, *groups[STATIONCTL_EXPLAIN_GROUPS_MAX], *save = NULL;
	struct st_user_desktops *r = NULL;
	size_t n_groups = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "u:g:", opts, NULL)) != -1) {
		if (c == 'u') {
			user = optarg;
		} else if (c == 'g') {
			free(glist);
			glist = strdup(optarg);
		} else {
			free(glist);
			return stationctl_commands_usage_error(argv[0]);
		}
	}
	if (!user || !user[0] || argc - optind != 1) {
		free(glist);
		return stationctl_commands_usage_error(argv[0]);
	}
	for (char *g = glist ? strtok_r(glist, ",", &save) : NULL;
	     g && n_groups < STATIONCTL_EXPLAIN_GROUPS_MAX; g = strtok_r(NULL, ",", &save)) {
		while (*g == ' ')
			g++;
		if (*g)
			groups[n_groups++] = g;
	}
	ret = stationctl_util_load_config(ctx->stations_file, &cfg);
	if (ret)
		goto cleanup;
	st = stationctl_explain_station(cfg, argv[optind]);
	if (!st) {
		char shown[100];

		stationctl_util_printable(argv[optind], shown, sizeof(shown));
		stationctl_util_err("'%s' is not a station section, nor a MAC, IP or host name "
				    "that a station section matches",
				    shown);
		ret = STATIONCTL_EXIT_NOTFOUND;
		goto cleanup;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	st_user_desktops(cfg, st, user, (const char *const *)groups, n_groups, r);
	stationctl_explain_print(st, user, groups, n_groups, r);
	ret = STATIONCTL_EXIT_OK;
cleanup:
	free(r);
	free(glist);
	st_config_free(cfg);
	return ret;
}
