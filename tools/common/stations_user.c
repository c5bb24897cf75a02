/* Desktops chosen by the user: see stations_user.h. */
#include "stations_user.h"
#include "stations_keys.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char *st_user_desktop_id(const struct st_entry *desktop)
{
	return desktop->target.text + strlen("desktop:");
}

/* Adds entry e's desktops to out, each once. */
static void st_user_add(struct st_user_desktops *out, const struct st_entry *e)
{
	unsigned line = st_entry_origin(e, ST_KEY_DESKTOPS).line;

	for (size_t i = 0; i < e->n_desktops && out->n < ST_USER_DESKTOPS_MAX; i++) {
		bool seen = false;

		for (size_t j = 0; j < out->n && !seen; j++)
			seen = out->v[j].desktop == e->desktops[i];
		if (!seen)
			out->v[out->n++] = (struct st_user_desktop){e->desktops[i], e, line};
	}
}

/* The section for "KIND:name" with name lower-cased as the headers are;
 * NULL for a name no section can have (too long, or not a valid name:
 * whatever a directory sends is looked up, never trusted). */
static const struct st_entry *st_user_section(const struct st_config *cfg, const char *kind,
					      const char *name)
{
	struct st_target t;
	char err[200];

	if (strlen(name) > ST_TARGET_MAX - 16)
		return NULL;
	char text[ST_TARGET_MAX];
	snprintf(text, sizeof(text), "%s:%s", kind, name);
	if (st_target_parse(text, &t, err, sizeof(err)) < 0)
		return NULL;
	return st_config_find(cfg, &t);
}

static bool st_user_has_station_desktop(const struct st_entry *e)
{
	return e->n_endpoints || e->connection_file || e->connection_url || e->domain || e->pool;
}

void st_user_desktops(const struct st_config *cfg, const struct st_entry *station, const char *user,
		      const char *const *groups, size_t n_groups, struct st_user_desktops *out)
{
	const struct st_entry *e;
	const uint32_t *ug;
	size_t n_ug;

	memset(out, 0, sizeof(*out));
	out->decided_by = st_entry_origin(station, ST_KEY_DESKTOP_FROM);
	if (!station->desktop_from_user) {
		out->source = ST_USER_FROM_STATION;
		return;
	}
	e = user ? st_user_section(cfg, "user", user) : NULL;
	if (e && e->target.kind == ST_USER)
		st_user_add(out, e);
	/* The config's group sections in file order, each looked for among
	 * the login's groups: the file, not the directory, says the order. */
	if (n_groups > ST_USER_GROUPS_MAX)
		n_groups = ST_USER_GROUPS_MAX;
	n_ug = st_config_usergroups(cfg, &ug);
	for (size_t i = 0; i < n_ug; i++) {
		const struct st_entry *g = st_config_entry(cfg, ug[i]);
		const char *gname = g->target.text + strlen("usergroup:");

		for (size_t j = 0; j < n_groups; j++) {
			if (groups[j] && strcasecmp(groups[j], gname) == 0) {
				st_user_add(out, g);
				break;
			}
		}
	}
	if (out->n)
		out->source = ST_USER_FROM_USER;
	else if (st_user_has_station_desktop(station))
		out->source = ST_USER_FALLBACK;
	else
		out->source = ST_USER_NONE;
}

const struct st_user_desktop *st_user_desktops_find(const struct st_user_desktops *r,
						    const char *id)
{
	for (size_t i = 0; id && i < r->n; i++)
		if (strcmp(st_user_desktop_id(r->v[i].desktop), id) == 0)
			return &r->v[i];
	return NULL;
}

/* The keys that say what the desktop is: all of them come from the
 * desktop, set or not, so that a desktop is never half the station's. */
static const enum st_key st_user_desktop_keys[] = {
    ST_KEY_PROTOCOL,
    ST_KEY_HOST,
    ST_KEY_PORT,
    ST_KEY_TLS_PORT,
    ST_KEY_PASSWORD,
    ST_KEY_CA,
    ST_KEY_HOST_SUBJECT,
    ST_KEY_PROXY,
    ST_KEY_FALLBACK,
    ST_KEY_WAIT_READY,
    ST_KEY_CONNECTION_FILE,
    ST_KEY_CONNECTION_URL,
    ST_KEY_CONNECTION_AUTH,
    ST_KEY_CONNECTION_METHOD,
    ST_KEY_LIBVIRT_URI,
    ST_KEY_DOMAIN,
    ST_KEY_DOMAIN_PASSWORD,
    ST_KEY_DISPLAY_HOST,
    ST_KEY_POOL,
    ST_KEY_MAINTENANCE,
};

void st_user_desktop_entry(const struct st_entry *station, const struct st_entry *desktop,
			   struct st_entry *out)
{
	*out = *station;
	for (size_t i = 0; i < sizeof(st_user_desktop_keys) / sizeof(st_user_desktop_keys[0]); i++)
		out->values[st_user_desktop_keys[i]] = desktop->values[st_user_desktop_keys[i]];
	/* The rest: the desktop's own settings win over the station's, and
	 * what the desktop has from its pool (session limits) over what the
	 * station has from nowhere. */
	for (int k = 0; k < ST_KEY__COUNT; k++) {
		bool own = desktop->own_keys & ((uint64_t)1 << k);

		if (!(st_keydef((enum st_key)k)->scopes & ST_SCOPE_DESKTOP) || k == ST_KEY_NAME)
			continue;
		if (own ||
		    (desktop->values[k] && !st_entry_origin(station, (enum st_key)k).section &&
		     !st_keydef((enum st_key)k)->builtin))
			out->values[k] = desktop->values[k];
	}
	out->fallbacks = desktop->fallbacks;
	out->n_fallbacks = desktop->n_fallbacks;
	out->endpoints = desktop->endpoints;
	out->n_endpoints = desktop->n_endpoints;
	out->wait_ready = desktop->wait_ready;
	out->maintenance = station->maintenance || desktop->maintenance;
	if (desktop->maintenance && desktop->message)
		out->message = desktop->message;
	else if (desktop->values[ST_KEY_MESSAGE] &&
		 (desktop->own_keys & ((uint64_t)1 << ST_KEY_MESSAGE)))
		out->message = desktop->message;
	out->usb_redirect = out->values[ST_KEY_USB_REDIRECT];
	out->usb_deny = out->values[ST_KEY_USB_DENY];
	out->sso = st_value_bool(out->values[ST_KEY_SSO]);
	out->connection_file = desktop->connection_file;
	out->connection_url = desktop->connection_url;
	out->connection_auth = desktop->connection_auth;
	out->connection_ca_pem = desktop->connection_ca_pem;
	out->connection_post = desktop->connection_post;
	out->domain = desktop->domain;
	out->libvirt_uri = desktop->libvirt_uri;
	out->display_host = desktop->display_host;
	out->domain_ca_pem = desktop->domain_ca_pem;
	out->domain_one_time = desktop->domain_one_time;
	out->pool = desktop->pool;
}
