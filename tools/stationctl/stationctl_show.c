/* show MATCH / show --resolve ID...: effective settings and their origin. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"
#include "stations_keys.h"
#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

#define STATIONCTL_SHOW_VALUE_MAX 1024

static void stationctl_show_origin(const struct st_origin *o, char *out, size_t outlen)
{
	if (!o->section)
		snprintf(out, outlen, "(built-in default)");
	else if (o->line == 0)
		snprintf(out, outlen, "(%s)", o->section);
	else
		snprintf(out, outlen, "(%s, line %u)", o->section, o->line);
}

/* Everything shown comes from a file someone else may have written:
 * escaped, it cannot reach the terminal as a control sequence. */
static const char *stationctl_show_text(const char *s, char *buf, size_t len)
{
	stationctl_util_printable(s, buf, len);
	return buf;
}

static void stationctl_show_line(const char *key, const char *value, const struct st_origin *o,
				 bool secret)
{
	char shown[STATIONCTL_SHOW_VALUE_MAX], origin[ST_TARGET_MAX + 40];

	if (!value) {
		printf("  %-13s = %-24s (not set)\n", key, "-");
		return;
	}
	stationctl_util_printable(secret ? "********" : value, shown, sizeof(shown));
	stationctl_show_origin(o, origin, sizeof(origin));
	printf("  %-13s = %-24s %s\n", key, shown, origin);
}

/* What the broker makes of a [pool:NAME] section. */
static void stationctl_show_pool(const struct st_pool *p)
{
	char uri[ST_LIBVIRT_URI_MAX + 8], tmpl[1100], base[1100], dir[1100];

	stationctl_util_printable(p->libvirt_uri, uri, sizeof(uri));
	stationctl_util_printable(p->template_xml, tmpl, sizeof(tmpl));
	stationctl_util_printable(p->base_image, base, sizeof(base));
	stationctl_util_printable(p->overlay_dir, dir, sizeof(dir));
	printf("pool: %u ready VM%s kept, at most %u in all, at %s (%s)\n", p->size,
	       p->size == 1 ? "" : "s", p->max, uri, st_protocol_name(p->protocol));
	printf("  template    %s\n  base image  %s\n  overlays in %s\n", tmpl, base, dir);
	if (p->display_host) {
		stationctl_util_printable(p->display_host, dir, sizeof(dir));
		printf("  stations reach the VMs' displays at %s\n", dir);
	}
	printf("  a VM nobody connects to ends after %u s\n", p->idle_timeout);
	if (p->maintenance)
		printf("in maintenance: its stations get the maintenance screen\n");
}

/* A libvirt domain names its desktop only at lookup time. */
static void stationctl_show_domain(const struct st_entry *e)
{
	char dom[ST_DOMAIN_MAX + 8], uri[ST_LIBVIRT_URI_MAX + 8], at[300];

	stationctl_util_printable(e->domain, dom, sizeof(dom));
	stationctl_util_printable(e->libvirt_uri, uri, sizeof(uri));
	stationctl_util_printable(e->display_host ? e->display_host : "its listen address", at,
				  sizeof(at));
	printf("  1. libvirt domain %s at %s, started when a station asks; its port%s from the "
	       "running domain, at %s  (primary)\n",
	       dom, uri, e->domain_one_time ? " and a one-time password" : "", at);
}

/* A [user:NAME] or [usergroup:NAME] section: its desktops in order. */
static void stationctl_show_user(const struct st_entry *e)
{
	char label[200];

	printf("desktops, in the order the chooser lists them%s:\n",
	       e->target.kind == ST_USERGROUP ? " (after the user's own and earlier groups')"
					      : " (before any of the user's groups')");
	for (size_t i = 0; i < e->n_desktops; i++) {
		const struct st_entry *d = e->desktops[i];

		stationctl_util_printable(d->name ? d->name : d->target.text + 8, label,
					  sizeof(label));
		printf("  %zu. [%s] \"%s\", line %u\n", i + 1, d->target.text, label, d->line);
	}
}

static void stationctl_show_entry(const struct st_entry *e, bool secrets)
{
	printf("[%s]  %s section, line %u\n", e->target.text, st_kind_name(e->target.kind),
	       e->line);
	for (int k = 0; k < ST_KEY__COUNT; k++) {
		const char *key = st_key_name((enum st_key)k);
		char err[8];

		/* A pool section has only the pool keys, and the pool-only
		 * keys belong to no other section. */
		if (st_key_allowed(e->target.kind, (enum st_key)k, err, sizeof(err)) < 0)
			continue;

		struct st_origin origin = st_entry_origin(e, (enum st_key)k);

		if (k == ST_KEY_FALLBACK && e->n_fallbacks > 0) {
			/* Only the first fallback's line is recorded; the
			 * others come from the same section. */
			struct st_origin rest = {origin.section, 0};

			for (size_t i = 0; i < e->n_fallbacks; i++)
				stationctl_show_line(key, e->fallbacks[i], i == 0 ? &origin : &rest,
						     false);
			continue;
		}
		stationctl_show_line(key, e->values[k], &origin,
				     st_keydef((enum st_key)k)->secret && !secrets);
	}
	if (e->target.kind == ST_GROUP)
		return;
	if (e->target.kind == ST_USER || e->target.kind == ST_USERGROUP) {
		stationctl_show_user(e);
		return;
	}
	if (e->desktop_from_user) {
		printf("desktop: the desktops of the user who logs in (desktop_from = user); "
		       "'stationctl explain --user USER %s' shows whose and why\n",
		       e->target.text);
		if (!e->n_endpoints && !e->connection_file && !e->connection_url && !e->domain &&
		    !e->pool) {
			printf("endpoints: none of its own: a user without desktops is refused\n");
			return;
		}
		printf("for a user without desktops, the station's own:\n");
	}
	if (e->target.kind == ST_POOL) {
		if (e->pool)
			stationctl_show_pool(e->pool);
		return;
	}
	if (e->pool) {
		printf("desktop: a one-time VM of pool %s, handed out at lookup%s\n", e->pool->name,
		       e->maintenance ? " (in maintenance)" : "");
		if (e->n_endpoints == 0)
			return;
	}
	/* A connection file or URL names the primary desktop only at lookup
	 * time; the endpoints of the file are the fallbacks. */
	const char *conn_file = e->values[ST_KEY_CONNECTION_FILE];
	const char *conn_url = e->values[ST_KEY_CONNECTION_URL];
	size_t first = conn_file || conn_url || e->domain ? 1 : 0;

	if (e->n_endpoints == 0 && !first) {
		printf("endpoints: none%s\n", e->maintenance ? " (in maintenance)" : "");
		return;
	}
	printf("endpoints, in the order the station tries them:\n");
	char shown[STATIONCTL_SHOW_VALUE_MAX];

	if (conn_file)
		printf("  1. the desktop named in connection file %s, read at each lookup  "
		       "(primary)\n",
		       stationctl_show_text(conn_file, shown, sizeof(shown)));
	else if (conn_url)
		printf("  1. the desktop named in the connection file from %s, fetched at each "
		       "lookup  (primary)\n",
		       stationctl_show_text(conn_url, shown, sizeof(shown)));
	else if (e->domain)
		stationctl_show_domain(e);
	for (size_t i = 0; i < e->n_endpoints; i++) {
		const struct st_endpoint *ep = &e->endpoints[i];
		char url[400];

		stationctl_util_endpoint(ep, url, sizeof(url));
		printf("  %zu. %s", first + i + 1, stationctl_show_text(url, shown, sizeof(shown)));
		if (ep->tls_port)
			printf("  tls_port=%u", ep->tls_port);
		if (ep->password)
			printf("  password=%s",
			       secrets ? stationctl_show_text(ep->password, shown, sizeof(shown))
				       : "********");
		if (ep->ca_pem)
			printf("  ca");
		if (ep->host_subject)
			printf("  host_subject=%s",
			       stationctl_show_text(ep->host_subject, shown, sizeof(shown)));
		if (ep->proxy)
			printf("  proxy=%s", stationctl_show_text(ep->proxy, shown, sizeof(shown)));
		printf("%s\n", first + i == 0 ? "  (primary)" : "  (fallback)");
	}
	if (e->maintenance)
		printf("in maintenance: stations get the maintenance screen\n");
}

/* Classifies each ID as a MAC, an IP or a host name and asks the config
 * which section the broker would answer that station from. */
static int stationctl_show_resolve(const struct st_config *cfg, int n, char **ids, bool secrets)
{
	uint8_t mac[6], scratch_mac[6];
	struct ipaddr ip, scratch_ip;
	const char *hostname = NULL;
	bool have_mac = false, have_ip = false;
	const struct st_entry *e;

	for (int i = 0; i < n; i++) {
		char shown[100];

		stationctl_util_printable(ids[i], shown, sizeof(shown));
		if (!have_mac && mac_parse(ids[i], mac) == 0) {
			have_mac = true;
		} else if (!have_ip && ip_parse(ids[i], &ip) == 0) {
			have_ip = true;
		} else if (!hostname && hostname_valid(ids[i]) &&
			   mac_parse(ids[i], scratch_mac) < 0 &&
			   ip_parse(ids[i], &scratch_ip) < 0) {
			hostname = ids[i];
		} else {
			stationctl_util_err("--resolve: '%s' is not a MAC, an IP or a host name, "
					    "or one of that kind was given already",
					    shown);
			return STATIONCTL_EXIT_INVALID;
		}
	}
	e = st_config_match(cfg, have_mac ? mac : NULL, have_ip ? &ip : NULL, hostname);
	if (!e) {
		stationctl_util_err("no section matches this station; the broker answers it "
				    "with status unknown");
		return STATIONCTL_EXIT_NOTFOUND;
	}
	printf("this station is served by [%s] (%s match)\n", e->target.text,
	       st_kind_name(e->target.kind));
	stationctl_show_entry(e, secrets);
	return STATIONCTL_EXIT_OK;
}

int stationctl_show_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"resolve", no_argument, NULL, 'r'},
	    {"show-secrets", no_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	struct st_config *cfg = NULL;
	struct st_target t;
	const struct st_entry *e;
	bool resolve = false, secrets = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "rs", opts, NULL)) != -1) {
		if (c == 'r')
			resolve = true;
		else if (c == 's')
			secrets = true;
		else
			return stationctl_commands_usage_error(argv[0]);
	}
	if (optind >= argc || (!resolve && argc - optind != 1) || argc - optind > 3)
		return stationctl_commands_usage_error(argv[0]);
	if (!resolve && stationctl_util_target(argv[optind], &t) < 0)
		return STATIONCTL_EXIT_INVALID;
	ret = stationctl_util_load_config(ctx->stations_file, &cfg);
	if (ret)
		return ret;
	if (resolve) {
		ret = stationctl_show_resolve(cfg, argc - optind, argv + optind, secrets);
		goto cleanup;
	}
	e = st_config_find(cfg, &t);
	if (!e) {
		stationctl_util_err("no section [%s] in %s", t.text, ctx->stations_file);
		ret = STATIONCTL_EXIT_NOTFOUND;
		goto cleanup;
	}
	stationctl_show_entry(e, secrets);
cleanup:
	st_config_free(cfg);
	return ret;
}
