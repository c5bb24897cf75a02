/* From a parsed stations file to the immutable, indexed form the broker
 * answers from: every error collected (not just the first), groups resolved,
 * ca files read, and hash indexes so a lookup costs the same at 10 or 100,000
 * mappings. */
#include "stations_internal.h"
#include "stations_keys.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fileio.h"
#include "hashidx.h"

_Static_assert(ST_KEY__COUNT <= 64, "st_entry.own_keys has a bit per key");

struct st_config {
	struct arena arena;
	struct st_entry *entries;
	size_t n;
	struct hashidx by_text;
	struct hashidx by_mac;
	struct hashidx by_ip;
	struct hashidx by_cidr; /* key: prefix length byte + masked address */
	uint8_t cidr_lens[129]; /* distinct prefix lengths in use, longest first */
	size_t n_cidr_lens;
	uint32_t *globs; /* entry numbers, most specific first */
	size_t n_globs;
	uint32_t default_idx;
	uint32_t *usergroups; /* [usergroup:NAME] entry numbers, in file order */
	size_t n_usergroups;
};

/* A section's own keys, before inheritance (one at a time, while the
 * section is read). */
struct st_own {
	const char *val[ST_KEY__COUNT];
	unsigned line[ST_KEY__COUNT];
	const char *fb[ST_FALLBACK_MAX];
	size_t nfb;
	unsigned fbline;
};

struct st_ca_cache {
	char *path;
	char *pem;
	struct st_ca_cache *next;
};

static void st_collect_own(const struct st_doc *doc, size_t s, struct st_own *own,
			   struct st_diags *d, size_t *nerr)
{
	char err[320];

	memset(own, 0, sizeof(*own));
	size_t end = s + 1 < doc->nsec ? doc->secs[s + 1].line : doc->n;
	for (size_t i = doc->secs[s].line + 1; i < end; i++) {
		const struct st_line *l = &doc->lines[i];
		if (l->kind != ST_L_KV || l->key < 0 || !l->value)
			continue;
		unsigned lineno = (unsigned)i + 1;
		if (l->key == ST_KEY_FALLBACK) {
			if (own->nfb == ST_FALLBACK_MAX) {
				st_diag_add(d, lineno, "more than %d fallbacks", ST_FALLBACK_MAX);
				(*nerr)++;
				continue;
			}
			if (!own->nfb)
				own->fbline = lineno;
			own->fb[own->nfb++] = l->value;
			continue;
		}
		if (own->val[l->key]) {
			st_diag_add(d, lineno, "'%s' is set twice in [%s] (first on line %u)",
				    st_key_name(l->key), doc->secs[s].t.text, own->line[l->key]);
			(*nerr)++;
			continue;
		}
		if (st_key_allowed(doc->secs[s].t.kind, l->key, err, sizeof(err)) < 0) {
			st_diag_add(d, lineno, "%s", err);
			(*nerr)++;
			continue;
		}
		own->val[l->key] = l->value;
		own->line[l->key] = lineno;
	}
}

static const char *st_read_ca(struct st_config *cfg, struct st_ca_cache **cache,
			      const char *base_dir, const char *path, char *err, size_t errlen)
{
	char full[PATH_MAX];
	if (path[0] == '/' || !base_dir)
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", base_dir, path);
	for (struct st_ca_cache *c = *cache; c; c = c->next)
		if (strcmp(c->path, full) == 0)
			return c->pem;
	char *text = NULL;
	size_t len = 0;
	if (file_read_capped(full, ST_CA_MAX, &text, &len) < 0) {
		snprintf(err, errlen, "ca: cannot read %.200s: %s", full,
			 errno == EFBIG ? "larger than 64 KiB" : file_strerror(errno));
		return NULL;
	}
	if (!strstr(text, "-----BEGIN CERTIFICATE-----") || memchr(text, '\0', len)) {
		snprintf(err, errlen, "ca: %.200s is not a PEM certificate", full);
		free(text);
		return NULL;
	}
	struct st_ca_cache *c = calloc(1, sizeof(*c));
	char *pem = arena_strdup(&cfg->arena, text);
	free(text);
	if (!c || !pem) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->path = strdup(full);
	c->pem = pem;
	c->next = *cache;
	*cache = c;
	return pem;
}

static unsigned st_glob_literals(const char *g)
{
	unsigned n = 0;
	for (const char *p = g; *p; p++) {
		if (*p == '[') {
			const char *close = strchr(p, ']');
			if (close)
				p = close;
		} else if (*p != '*' && *p != '?') {
			n++;
		}
	}
	return n;
}

static const struct st_config *st_sort_cfg; /* qsort has no context pointer */

static int st_glob_cmp(const void *a, const void *b)
{
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	unsigned la = st_glob_literals(st_sort_cfg->entries[ia].target.text);
	unsigned lb = st_glob_literals(st_sort_cfg->entries[ib].target.text);
	if (la != lb)
		return la > lb ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static unsigned st_uint(const char *s)
{
	return s ? (unsigned)strtoul(s, NULL, 10) : 0;
}

static uint64_t st_bit(int k)
{
	return (uint64_t)1 << k;
}

/* A section's own keys into its entry, strings copied into the arena, so
 * that nothing of the document is needed once the sections are read: only
 * the keys the section writes take room. */
static int st_entry_own(struct st_config *cfg, struct st_entry *e, const struct st_own *own)
{
	unsigned *lines;
	const char **fb = NULL;
	size_t n = 0;

	for (int k = 0; k < ST_KEY__COUNT; k++)
		if (own->val[k])
			n++;
	n += own->nfb ? 1 : 0;
	lines = arena_alloc(&cfg->arena, (n ? n : 1) * sizeof(*lines));
	if (own->nfb)
		fb = arena_alloc(&cfg->arena, own->nfb * sizeof(*fb));
	if (!lines || (own->nfb && !fb))
		return -1;
	n = 0;
	for (int k = 0; k < ST_KEY__COUNT; k++) {
		if (k == ST_KEY_FALLBACK && own->nfb) {
			e->own_keys |= st_bit(k);
			lines[n++] = own->fbline;
			continue;
		}
		if (!own->val[k])
			continue;
		if (!(e->values[k] = arena_strdup(&cfg->arena, own->val[k])))
			return -1;
		e->own_keys |= st_bit(k);
		lines[n++] = own->line[k];
	}
	for (size_t i = 0; i < own->nfb; i++)
		if (!(fb[i] = arena_strdup(&cfg->arena, own->fb[i])))
			return -1;
	e->own_lines = lines;
	e->fallbacks = fb;
	e->n_fallbacks = (unsigned)own->nfb;
	e->values[ST_KEY_FALLBACK] = own->nfb ? fb[0] : NULL;
	return 0;
}

/* Effective values of one entry: own keys, then the group's (for the keys
 * the table says are inherited), then built-in. The group's strings are
 * shared, not copied; built-in ones are the table's literals. */
static void st_resolve(struct st_entry *e, const struct st_entry *grp)
{
	e->group = grp;
	for (int k = 0; k < ST_KEY__COUNT; k++) {
		const struct st_keydef *kd = st_keydef((enum st_key)k);
		bool from_group =
		    grp && kd->inherit != ST_INHERIT_NONE && (grp->own_keys & st_bit(k));

		if (e->own_keys & st_bit(k))
			continue;
		if (kd->inherit == ST_INHERIT_LIST) {
			/* The one list, fallback: a station's own list
			 * replaces its group's as a whole. */
			if (from_group) {
				e->fallbacks = grp->fallbacks;
				e->n_fallbacks = grp->n_fallbacks;
				e->values[k] = grp->fallbacks[0];
			}
		} else if (from_group) {
			e->values[k] = grp->values[k];
		} else {
			e->values[k] = kd->builtin ? kd->def : NULL;
		}
	}
}

static unsigned st_own_line(const struct st_entry *e, int k)
{
	uint64_t below = e->own_keys & (st_bit(k) - 1);
	return e->own_lines[__builtin_popcountll(below)];
}

struct st_origin st_entry_origin(const struct st_entry *e, enum st_key key)
{
	const struct st_entry *g = e->group;

	if ((unsigned)key >= ST_KEY__COUNT)
		return (struct st_origin){NULL, 0};
	if (e->own_keys & st_bit(key))
		return (struct st_origin){e->target.text, st_own_line(e, key)};
	if (g && st_keydef(key)->inherit != ST_INHERIT_NONE && (g->own_keys & st_bit(key)))
		return (struct st_origin){g->target.text, st_own_line(g, key)};
	/* The session limits a mapping takes from its pool (st_pool_link). */
	if (e->pool_entry && key >= ST_KEY_MAX_SESSION && key <= ST_KEY_LIMIT_WARNING &&
	    (e->pool_entry->own_keys & st_bit(key)))
		return (struct st_origin){e->pool_entry->target.text,
					  st_own_line(e->pool_entry, key)};
	return (struct st_origin){NULL, 0};
}

/* A path as written in the stations file, relative to its folder (like
 * ca), copied into the arena. */
static const char *st_full_path(struct st_config *cfg, const char *base_dir, const char *path)
{
	char full[PATH_MAX];

	if (path[0] == '/' || !base_dir)
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", base_dir, path);
	return arena_strdup(&cfg->arena, full);
}

/* connection_file / connection_url: only where they are, nothing is read
 * now. The file and the URL's answer change with every ticket, so the
 * broker reads them at each lookup. */
static int st_connection_source(struct st_config *cfg, struct st_entry *e, const char *base_dir)
{
	const char *file = e->values[ST_KEY_CONNECTION_FILE];
	const char *auth = e->values[ST_KEY_CONNECTION_AUTH];

	if (e->target.kind == ST_GROUP || e->target.kind == ST_POOL)
		return 0;
	if (file && !(e->connection_file = st_full_path(cfg, base_dir, file)))
		return -1;
	e->connection_url = e->values[ST_KEY_CONNECTION_URL];
	if (e->connection_url && auth && !(e->connection_auth = st_full_path(cfg, base_dir, auth)))
		return -1;
	e->connection_post = e->connection_url && e->values[ST_KEY_CONNECTION_METHOD] &&
			     strcmp(e->values[ST_KEY_CONNECTION_METHOD], "post") == 0;
	return 0;
}

static int st_build_endpoints(struct st_config *cfg, struct st_entry *e, const char *ca_pem,
			      char *err, size_t errlen)
{
	struct st_endpoint *eps = arena_alloc(&cfg->arena, (1 + e->n_fallbacks) * sizeof(*eps));
	if (!eps) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = 0;
	if (e->values[ST_KEY_HOST]) {
		struct st_endpoint *p = &eps[n++];
		memset(p, 0, sizeof(*p));
		const char *proto = e->values[ST_KEY_PROTOCOL];
		p->protocol = strcmp(proto, "rdp") == 0	  ? ST_PROTO_RDP
			      : strcmp(proto, "vnc") == 0 ? ST_PROTO_VNC
							  : ST_PROTO_SPICE;
		p->host = e->values[ST_KEY_HOST];
		p->port = st_uint(e->values[ST_KEY_PORT]);
		p->tls_port = st_uint(e->values[ST_KEY_TLS_PORT]);
		if (!p->port && !p->tls_port)
			p->port = st_default_port(p->protocol);
		p->password = e->values[ST_KEY_PASSWORD];
		p->ca_pem = ca_pem;
		p->host_subject = e->values[ST_KEY_HOST_SUBJECT];
		p->proxy = e->values[ST_KEY_PROXY];
	}
	for (size_t i = 0; i < e->n_fallbacks; i++) {
		struct st_endpoint *p = &eps[n];
		char host[HOSTNAME_MAX + 1];
		memset(p, 0, sizeof(*p));
		if (st_fallback_parse(e->fallbacks[i], &p->protocol, host, sizeof(host), &p->port,
				      err, errlen) < 0)
			return -1;
		if (!(p->host = arena_strdup(&cfg->arena, host))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		n++;
	}
	e->endpoints = eps;
	e->n_endpoints = n;
	return 0;
}

/* A libvirt domain desktop: the running domain gives address and ports,
 * the broker the password, so the keys that would say otherwise are
 * errors rather than silently ignored. */
static int st_check_domain(const struct st_entry *e, char *err, size_t errlen)
{
	static const enum st_key from_domain[] = {ST_KEY_HOST, ST_KEY_PORT, ST_KEY_TLS_PORT,
						  ST_KEY_PASSWORD};

	if (strcmp(e->values[ST_KEY_PROTOCOL], "rdp") == 0) {
		snprintf(err, errlen, "[%.200s]: a libvirt domain desktop is spice or vnc, not rdp",
			 e->target.text);
		return -1;
	}
	for (size_t i = 0; i < sizeof(from_domain) / sizeof(from_domain[0]); i++) {
		enum st_key k = from_domain[i];

		if (!e->values[k])
			continue;
		snprintf(err, errlen,
			 "[%.100s] sets both 'domain' and '%s' (from [%.60s]): with 'domain', %s",
			 e->target.text, st_key_name(k),
			 st_entry_origin(e, k).section ? st_entry_origin(e, k).section : "?",
			 k == ST_KEY_PASSWORD
			     ? "the password comes from the broker (domain_password)"
			     : "address and ports come from the running domain");
		return -1;
	}
	return 0;
}

/* A mapping that takes its desktop from a pool: the pool says everything
 * about the desktop, so the keys that would name another one are errors. */
static int st_check_pool_mapping(const struct st_entry *e, char *err, size_t errlen)
{
	static const enum st_key other[] = {ST_KEY_HOST,
					    ST_KEY_PORT,
					    ST_KEY_TLS_PORT,
					    ST_KEY_PASSWORD,
					    ST_KEY_DOMAIN,
					    ST_KEY_LIBVIRT_URI,
					    ST_KEY_DOMAIN_PASSWORD,
					    ST_KEY_DISPLAY_HOST,
					    ST_KEY_CONNECTION_FILE,
					    ST_KEY_CONNECTION_URL,
					    ST_KEY_PROTOCOL};

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		enum st_key k = other[i];

		/* protocol has a built-in default: only one written counts. */
		if (!e->values[k] || !st_entry_origin(e, k).section)
			continue;
		if (k == ST_KEY_DISPLAY_HOST) {
			snprintf(err, errlen,
				 "[%.100s] sets display_host (from [%.60s]) next to 'pool': a "
				 "pool's display_host goes in its [pool:NAME] section",
				 e->target.text, st_entry_origin(e, k).section);
			return -1;
		}
		snprintf(err, errlen,
			 "[%.100s] sets both 'pool' and '%s' (from [%.60s]): the pool's section "
			 "describes its desktops",
			 e->target.text, st_key_name(k), st_entry_origin(e, k).section);
		return -1;
	}
	return 0;
}

/* A [pool:NAME] section: what it must have and what must agree. */
static int st_check_pool(const struct st_entry *e, char *err, size_t errlen)
{
	unsigned size, max;

	for (int k = 0; k < ST_KEY__COUNT; k++) {
		if (!(st_keydef((enum st_key)k)->required & ST_SCOPE_POOL) || e->values[k])
			continue;
		snprintf(err, errlen, "[%.200s] has no '%s'", e->target.text,
			 st_key_name((enum st_key)k));
		return -1;
	}
	if (strcmp(e->values[ST_KEY_PROTOCOL], "rdp") == 0) {
		snprintf(err, errlen, "[%.200s]: a pool's desktops are spice or vnc, not rdp",
			 e->target.text);
		return -1;
	}
	size = e->values[ST_KEY_SIZE] ? st_uint(e->values[ST_KEY_SIZE]) : ST_POOL_SIZE_DEFAULT;
	max = e->values[ST_KEY_MAX] ? st_uint(e->values[ST_KEY_MAX]) : (size ? size : 1);
	if (max < size) {
		snprintf(err, errlen, "[%.200s]: max (%u) is smaller than size (%u)",
			 e->target.text, max, size);
		return -1;
	}
	return 0;
}

/* The checks that need the effective (inherited) values. */
static int st_check_effective(const struct st_entry *e, char *err, size_t errlen)
{
	int sources = !!e->values[ST_KEY_HOST] + !!e->values[ST_KEY_CONNECTION_FILE] +
		      !!e->values[ST_KEY_CONNECTION_URL];

	if (e->target.kind == ST_GROUP || e->target.kind == ST_POOL || e->target.kind == ST_USER ||
	    e->target.kind == ST_USERGROUP)
		return 0;
	/* Whose desktop it is needs to know who logged in. */
	if (e->desktop_from_user && !e->login_broker) {
		snprintf(err, errlen,
			 "[%.150s] has desktop_from = user (from [%.60s]) but no login = broker: "
			 "the user's desktops need a login",
			 e->target.text,
			 st_entry_origin(e, ST_KEY_DESKTOP_FROM).section
			     ? st_entry_origin(e, ST_KEY_DESKTOP_FROM).section
			     : "?");
		return -1;
	}
	if (e->values[ST_KEY_POOL])
		return st_check_pool_mapping(e, err, errlen);
	if (sources > 1) {
		snprintf(err, errlen,
			 "[%.200s] has more than one of host, connection_file and "
			 "connection_url (here or from its group): keep exactly one",
			 e->target.text);
		return -1;
	}
	if (e->values[ST_KEY_DOMAIN] &&
	    (e->values[ST_KEY_CONNECTION_FILE] || e->values[ST_KEY_CONNECTION_URL])) {
		snprintf(err, errlen,
			 "[%.200s] has both 'domain' and a connection file or URL (here or from "
			 "its group): keep one",
			 e->target.text);
		return -1;
	}
	/* Only a desktop found at lookup time has an address to replace. */
	if (e->values[ST_KEY_DISPLAY_HOST] && !e->values[ST_KEY_DOMAIN]) {
		snprintf(err, errlen,
			 "[%.150s] has display_host but no domain (here or from its group): "
			 "display_host replaces a libvirt domain's display address; for a "
			 "pool, set it in the [pool:NAME] section",
			 e->target.text);
		return -1;
	}
	if (!e->values[ST_KEY_CONNECTION_URL] &&
	    (st_entry_origin(e, ST_KEY_CONNECTION_AUTH).section ||
	     st_entry_origin(e, ST_KEY_CONNECTION_METHOD).section)) {
		snprintf(err, errlen,
			 "[%.200s] has connection_auth or connection_method but no "
			 "connection_url",
			 e->target.text);
		return -1;
	}
	if (e->maintenance || e->values[ST_KEY_CONNECTION_FILE] || e->values[ST_KEY_CONNECTION_URL])
		return 0;
	if (e->values[ST_KEY_DOMAIN])
		return st_check_domain(e, err, errlen);
	/* A hot desk need not have a desktop of its own: its users bring
	 * theirs. */
	if (!e->values[ST_KEY_HOST] && e->desktop_from_user)
		return 0;
	if (!e->values[ST_KEY_HOST]) {
		snprintf(err, errlen,
			 "[%.150s] has no host: set 'host', 'domain', 'connection_file' or "
			 "'connection_url' here or in its group (or set maintenance = yes)",
			 e->target.text);
		return -1;
	}
	if (strcmp(e->values[ST_KEY_PROTOCOL], "spice") == 0 && !e->values[ST_KEY_PORT] &&
	    !e->values[ST_KEY_TLS_PORT]) {
		snprintf(err, errlen, "[%.200s] has no port or tls_port for its spice desktop",
			 e->target.text);
		return -1;
	}
	return 0;
}

/* The indexes keep no keys of their own: these read them from the
 * entries. */
static bool st_eq_text(const void *ctx, uint32_t v, const void *key, uint32_t len)
{
	const char *t = ((const struct st_config *)ctx)->entries[v].target.text;
	return strncmp(t, key, len) == 0 && t[len] == '\0';
}

static bool st_eq_mac(const void *ctx, uint32_t v, const void *key, uint32_t len)
{
	return len == 6 &&
	       memcmp(((const struct st_config *)ctx)->entries[v].target.mac, key, 6) == 0;
}

static bool st_eq_ip(const void *ctx, uint32_t v, const void *key, uint32_t len)
{
	return len == 16 &&
	       memcmp(((const struct st_config *)ctx)->entries[v].target.ip.b, key, 16) == 0;
}

static bool st_eq_cidr(const void *ctx, uint32_t v, const void *key, uint32_t len)
{
	const struct st_match *t = &((const struct st_config *)ctx)->entries[v].target;
	const uint8_t *k = key;
	return len == 17 && k[0] == t->prefix && memcmp(t->ip.b, k + 1, 16) == 0;
}

static int st_index(struct st_config *cfg)
{
	size_t n = cfg->n, count[ST_USERGROUP + 1] = {0};

	/* Each index sized for its own kind: a file of MACs needs no room
	 * for addresses. */
	for (size_t i = 0; i < n; i++)
		count[cfg->entries[i].target.kind]++;
	if (hashidx_init(&cfg->by_mac, count[ST_MAC], st_eq_mac, cfg) < 0 ||
	    hashidx_init(&cfg->by_ip, count[ST_IP], st_eq_ip, cfg) < 0 ||
	    hashidx_init(&cfg->by_cidr, count[ST_CIDR], st_eq_cidr, cfg) < 0)
		return -1;
	cfg->globs = calloc(count[ST_GLOB] ? count[ST_GLOB] : 1, sizeof(*cfg->globs));
	cfg->usergroups =
	    calloc(count[ST_USERGROUP] ? count[ST_USERGROUP] : 1, sizeof(*cfg->usergroups));
	if (!cfg->globs || !cfg->usergroups)
		return -1;
	bool lens[129] = {false};
	for (size_t i = 0; i < n; i++) {
		struct st_entry *e = &cfg->entries[i];
		uint8_t key[17];
		switch (e->target.kind) {
		case ST_MAC:
			hashidx_put(&cfg->by_mac, e->target.mac, 6, (uint32_t)i);
			break;
		case ST_IP:
			hashidx_put(&cfg->by_ip, e->target.ip.b, 16, (uint32_t)i);
			break;
		case ST_CIDR:
			key[0] = e->target.prefix;
			memcpy(key + 1, e->target.ip.b, 16);
			hashidx_put(&cfg->by_cidr, key, 17, (uint32_t)i);
			lens[e->target.prefix] = true;
			break;
		case ST_GLOB:
			cfg->globs[cfg->n_globs++] = (uint32_t)i;
			break;
		case ST_DEFAULT:
			cfg->default_idx = (uint32_t)i;
			break;
		case ST_USERGROUP:
			cfg->usergroups[cfg->n_usergroups++] = (uint32_t)i;
			break;
		case ST_GROUP:
		case ST_POOL:
		case ST_DESKTOP:
		case ST_USER:
			break;
		}
	}
	for (int l = 128; l >= 0; l--)
		if (lens[l])
			cfg->cidr_lens[cfg->n_cidr_lens++] = (uint8_t)l;
	st_sort_cfg = cfg;
	qsort(cfg->globs, cfg->n_globs, sizeof(*cfg->globs), st_glob_cmp);
	st_sort_cfg = NULL;
	return 0;
}

/* A [user:NAME] or [usergroup:NAME] section's desktops key as pointers to
 * its [desktop:NAME] entries. Each name must be one: a [desktop:NAME]
 * section, not a group, a pool or nothing. */
static int st_desktops_link(struct st_config *cfg, struct st_entry *e, struct st_diags *d,
			    size_t *nerr)
{
	const char *v = e->values[ST_KEY_DESKTOPS], *p = v;
	const struct st_entry **list;
	char name[ST_GROUP_NAME_MAX + 2], t[ST_TARGET_MAX];
	unsigned line = st_entry_origin(e, ST_KEY_DESKTOPS).line;
	size_t n = 0, cap = 0;
	uint32_t i;

	if (!v) {
		st_diag_add(d, e->line, "[%s] has no desktops (desktops = NAME, ...)",
			    e->target.text);
		(*nerr)++;
		return 0;
	}
	while (st_desktop_list_next(&p, name, sizeof(name)))
		cap++;
	list = arena_alloc(&cfg->arena, (cap ? cap : 1) * sizeof(*list));
	if (!list)
		return -1;
	for (p = v; st_desktop_list_next(&p, name, sizeof(name));) {
		snprintf(t, sizeof(t), "desktop:%s", name);
		i = hashidx_get(&cfg->by_text, t, (uint32_t)strlen(t));
		if (i == HASHIDX_NONE) {
			snprintf(t, sizeof(t), "group:%s", name);
			bool grp =
			    hashidx_get(&cfg->by_text, t, (uint32_t)strlen(t)) != HASHIDX_NONE;
			snprintf(t, sizeof(t), "pool:%s", name);
			bool pool =
			    hashidx_get(&cfg->by_text, t, (uint32_t)strlen(t)) != HASHIDX_NONE;
			st_diag_add(d, line,
				    "desktop '%s' is not defined (no [desktop:%s] section%s)", name,
				    name,
				    grp	   ? "; [group:NAME] is for stations, not a desktop"
				    : pool ? "; a pool is a desktop through a [desktop:NAME] "
					     "section with pool = NAME"
					   : "");
			(*nerr)++;
			continue;
		}
		list[n++] = &cfg->entries[i];
	}
	e->desktops = (const struct st_entry *const *)list;
	e->n_desktops = n;
	return 0;
}

/* The [pool:NAME] entry, or NULL. */
static struct st_entry *st_pool_entry(struct st_config *cfg, const char *name)
{
	char t[ST_TARGET_MAX];
	uint32_t i;

	snprintf(t, sizeof(t), "pool:%s", name);
	i = hashidx_get(&cfg->by_text, t, (uint32_t)strlen(t));
	return i == HASHIDX_NONE || cfg->entries[i].target.kind != ST_POOL ? NULL
									   : &cfg->entries[i];
}

/* The typed form of a [pool:NAME] section; its strings are in the arena
 * already. */
static int st_pool_build(struct st_config *cfg, struct st_entry *e, const char *base_dir)
{
	struct st_pool *p = arena_alloc(&cfg->arena, sizeof(*p));
	const char *uri = e->values[ST_KEY_LIBVIRT_URI];

	if (!p)
		return -1;
	memset(p, 0, sizeof(*p));
	p->name = e->target.text + 5;
	p->libvirt_uri = uri ? uri : ST_LIBVIRT_URI_DEFAULT;
	p->display_host = e->values[ST_KEY_DISPLAY_HOST];
	p->template_xml = st_full_path(cfg, base_dir, e->values[ST_KEY_TEMPLATE]);
	p->base_image = st_full_path(cfg, base_dir, e->values[ST_KEY_BASE_IMAGE]);
	p->overlay_dir = st_full_path(cfg, base_dir, e->values[ST_KEY_OVERLAY_DIR]);
	if (!p->template_xml || !p->base_image || !p->overlay_dir)
		return -1;
	p->size = e->values[ST_KEY_SIZE] ? st_uint(e->values[ST_KEY_SIZE]) : ST_POOL_SIZE_DEFAULT;
	p->max = e->values[ST_KEY_MAX] ? st_uint(e->values[ST_KEY_MAX]) : (p->size ? p->size : 1);
	p->idle_timeout = e->values[ST_KEY_IDLE_TIMEOUT] ? st_uint(e->values[ST_KEY_IDLE_TIMEOUT])
							 : ST_POOL_IDLE_DEFAULT;
	p->protocol =
	    strcmp(e->values[ST_KEY_PROTOCOL], "vnc") == 0 ? ST_PROTO_VNC : ST_PROTO_SPICE;
	p->maintenance = e->maintenance;
	p->personal = false;
	if (e->values[ST_KEY_PERSONAL])
		st_bool_parse(e->values[ST_KEY_PERSONAL], &p->personal);
	p->reconnect_grace =
	    e->values[ST_KEY_RECONNECT_GRACE] ? st_uint(e->values[ST_KEY_RECONNECT_GRACE]) : 0;
	p->message = e->values[ST_KEY_MESSAGE];
	p->line = e->line;
	e->pool = p;
	return 0;
}

/* Mappings with `pool = NAME` point at their pool, and share its
 * maintenance: the admin puts one pool, not each of its stations, into
 * maintenance, and its message is what they show. */
static void st_pool_link(struct st_config *cfg)
{
	for (size_t i = 0; i < cfg->n; i++) {
		struct st_entry *e = &cfg->entries[i], *pe;

		if (e->target.kind == ST_GROUP || e->target.kind == ST_POOL ||
		    !e->values[ST_KEY_POOL])
			continue;
		pe = st_pool_entry(cfg, e->values[ST_KEY_POOL]);
		if (!pe)
			continue;
		e->pool = pe->pool;
		e->pool_entry = pe;
		/* Session limits: the pool's for a mapping (or its group)
		 * that sets none of its own. */
		for (int k = ST_KEY_MAX_SESSION; k <= ST_KEY_LIMIT_WARNING; k++)
			if (!e->values[k])
				e->values[k] = pe->values[k];
		if (pe->pool->maintenance) {
			e->maintenance = true;
			if (pe->pool->message)
				e->message = pe->pool->message;
		}
	}
}

struct st_config *st_config_build(const struct st_doc *doc, const char *base_dir,
				  struct st_diags *d)
{
	size_t nerr = 0;
	char err[320];
	struct st_ca_cache *cache = NULL;
	struct st_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	if (d && !d->file[0])
		snprintf(d->file, sizeof(d->file), "%s", doc->filename);
	cfg->default_idx = HASHIDX_NONE;
	size_t ns = doc->nsec;
	cfg->entries = calloc(ns ? ns : 1, sizeof(*cfg->entries));
	if (!cfg->entries || hashidx_init(&cfg->by_text, ns, st_eq_text, cfg) < 0)
		goto oom;

	/* Pass 1: headers and own keys; section names must be unique. After
	 * it, the config holds copies of everything it needs from doc. */
	for (size_t s = 0; s < ns; s++) {
		const struct st_section *sec = &doc->secs[s];
		struct st_own own;
		if (!sec->valid)
			continue; /* already reported by the parser */
		struct st_entry *e = &cfg->entries[cfg->n];
		memset(e, 0, sizeof(*e));
		e->target = sec->t;
		e->target.text = arena_strdup(&cfg->arena, sec->t.text);
		if (!e->target.text)
			goto oom;
		e->line = (unsigned)sec->line + 1;
		e->index = (uint32_t)cfg->n;
		uint32_t prev = hashidx_put(&cfg->by_text, e->target.text,
					    (uint32_t)strlen(e->target.text), (uint32_t)cfg->n);
		if (prev != HASHIDX_NONE) {
			st_diag_add(d, e->line, "[%s] appears twice (first on line %u)",
				    e->target.text, cfg->entries[prev].line);
			nerr++;
			continue;
		}
		st_collect_own(doc, s, &own, d, &nerr);
		if (st_entry_own(cfg, e, &own) < 0)
			goto oom;
		cfg->n++;
	}

	/* Pass 2: inheritance and the checks that need it. */
	for (size_t i = 0; i < cfg->n; i++) {
		struct st_entry *e = &cfg->entries[i];
		const struct st_entry *grp = NULL;
		const char *gname = e->values[ST_KEY_GROUP]; /* own: groups are in none */
		if (gname) {
			char gt[ST_TARGET_MAX];
			snprintf(gt, sizeof(gt), "group:%s", gname);
			uint32_t g = hashidx_get(&cfg->by_text, gt, (uint32_t)strlen(gt));
			if (g == HASHIDX_NONE) {
				st_diag_add(d, st_entry_origin(e, ST_KEY_GROUP).line,
					    "group '%s' is not defined (no [group:%s] section)",
					    gname, gname);
				nerr++;
				continue;
			}
			grp = &cfg->entries[g];
		}
		st_resolve(e, grp);
		bool b = false;
		st_bool_parse(e->values[ST_KEY_MAINTENANCE], &b);
		e->maintenance = b;
		b = false;
		st_bool_parse(e->values[ST_KEY_AUTOCONNECT], &b);
		e->autoconnect = b;
		b = false;
		st_bool_parse(e->values[ST_KEY_WAIT_READY], &b);
		e->wait_ready = b;
		b = false;
		st_bool_parse(e->values[ST_KEY_SSO], &b);
		e->sso = b;
		e->login_broker = strcmp(e->values[ST_KEY_LOGIN], "broker") == 0;
		e->desktop_from_user = e->values[ST_KEY_DESKTOP_FROM] &&
				       strcmp(e->values[ST_KEY_DESKTOP_FROM], "user") == 0;
		if ((e->target.kind == ST_USER || e->target.kind == ST_USERGROUP) &&
		    st_desktops_link(cfg, e, d, &nerr) < 0)
			goto oom;
		e->domain_one_time = !e->values[ST_KEY_DOMAIN_PASSWORD] ||
				     strcmp(e->values[ST_KEY_DOMAIN_PASSWORD], "one-time") == 0;
		if (st_check_effective(e, err, sizeof(err)) < 0) {
			st_diag_add(d, e->line, "%s", err);
			nerr++;
		}
		if (e->target.kind == ST_POOL && st_check_pool(e, err, sizeof(err)) < 0) {
			st_diag_add(d, e->line, "%s", err);
			nerr++;
		}
		if (e->target.kind != ST_GROUP && e->values[ST_KEY_POOL] &&
		    !st_pool_entry(cfg, e->values[ST_KEY_POOL])) {
			st_diag_add(d, st_entry_origin(e, ST_KEY_POOL).line,
				    "pool '%s' is not defined (no [pool:%s] section)",
				    e->values[ST_KEY_POOL], e->values[ST_KEY_POOL]);
			nerr++;
		}
	}
	size_t doc_errors = st_doc_error_count(doc);
	if (nerr || doc_errors) {
		if (d && d->n == 0)
			st_diag_add(d, 0, "%zu errors", nerr + doc_errors);
		goto fail;
	}

	/* Pass 3: ca files, and the typed views of the values. */
	for (size_t i = 0; i < cfg->n; i++) {
		struct st_entry *e = &cfg->entries[i];
		const char *ca_pem = NULL;
		if (e->values[ST_KEY_CA] && e->target.kind != ST_GROUP) {
			ca_pem = st_read_ca(cfg, &cache, base_dir, e->values[ST_KEY_CA], err,
					    sizeof(err));
			if (!ca_pem) {
				unsigned line = st_entry_origin(e, ST_KEY_CA).line;
				st_diag_add(d, line, "%s", err);
				nerr++;
				continue;
			}
		}
		e->name = e->values[ST_KEY_NAME];
		e->message = e->values[ST_KEY_MESSAGE];
		e->usb_redirect = e->values[ST_KEY_USB_REDIRECT];
		e->usb_deny = e->values[ST_KEY_USB_DENY];
		if (st_connection_source(cfg, e, base_dir) < 0)
			goto oom;
		if (e->connection_url)
			e->connection_ca_pem = ca_pem;
		e->domain = e->values[ST_KEY_DOMAIN];
		e->domain_ca_pem = e->domain || e->values[ST_KEY_POOL] ? ca_pem : NULL;
		if (e->domain) {
			e->libvirt_uri = e->values[ST_KEY_LIBVIRT_URI]
					     ? e->values[ST_KEY_LIBVIRT_URI]
					     : ST_LIBVIRT_URI_DEFAULT;
			e->display_host = e->values[ST_KEY_DISPLAY_HOST];
		}
		if (e->target.kind == ST_POOL) {
			if (st_pool_build(cfg, e, base_dir) < 0)
				goto oom;
			continue;
		}
		if (e->target.kind != ST_GROUP && e->target.kind != ST_USER &&
		    e->target.kind != ST_USERGROUP &&
		    st_build_endpoints(cfg, e, ca_pem, err, sizeof(err)) < 0) {
			st_diag_add(d, e->line, "%s", err);
			nerr++;
		}
	}
	if (nerr)
		goto fail;
	st_pool_link(cfg);
	if (st_index(cfg) < 0)
		goto oom;
	while (cache) {
		struct st_ca_cache *next = cache->next;
		free(cache->path);
		free(cache);
		cache = next;
	}
	return cfg;
oom:
	st_diag_add(d, 0, "out of memory");
fail:
	while (cache) {
		struct st_ca_cache *next = cache->next;
		free(cache->path);
		free(cache);
		cache = next;
	}
	st_config_free(cfg);
	return NULL;
}

void st_config_free(struct st_config *cfg)
{
	if (!cfg)
		return;
	hashidx_free(&cfg->by_text);
	hashidx_free(&cfg->by_mac);
	hashidx_free(&cfg->by_ip);
	hashidx_free(&cfg->by_cidr);
	free(cfg->globs);
	free(cfg->usergroups);
	free(cfg->entries);
	arena_free(&cfg->arena);
	free(cfg);
}

const struct st_entry *st_config_match(const struct st_config *cfg, const uint8_t *mac,
				       const struct ipaddr *ip, const char *hostname)
{
	uint32_t i;
	if (mac && (i = hashidx_get(&cfg->by_mac, mac, 6)) != HASHIDX_NONE)
		return &cfg->entries[i];
	if (ip) {
		if ((i = hashidx_get(&cfg->by_ip, ip->b, 16)) != HASHIDX_NONE)
			return &cfg->entries[i];
		uint8_t key[17];
		for (size_t l = 0; l < cfg->n_cidr_lens; l++) {
			struct ipaddr masked = *ip;
			ip_mask(&masked, cfg->cidr_lens[l]);
			key[0] = cfg->cidr_lens[l];
			memcpy(key + 1, masked.b, 16);
			if ((i = hashidx_get(&cfg->by_cidr, key, 17)) != HASHIDX_NONE)
				return &cfg->entries[i];
		}
	}
	if (hostname && *hostname) {
		for (size_t g = 0; g < cfg->n_globs; g++) {
			const struct st_entry *e = &cfg->entries[cfg->globs[g]];
			if (fnmatch(e->target.text, hostname, FNM_CASEFOLD) == 0)
				return e;
		}
	}
	if (cfg->default_idx != HASHIDX_NONE)
		return &cfg->entries[cfg->default_idx];
	return NULL;
}

const struct st_entry *st_config_find(const struct st_config *cfg, const struct st_target *t)
{
	uint32_t i = hashidx_get(&cfg->by_text, t->text, (uint32_t)strlen(t->text));
	return i == HASHIDX_NONE ? NULL : &cfg->entries[i];
}

size_t st_config_usergroups(const struct st_config *cfg, const uint32_t **idx)
{
	*idx = cfg->usergroups;
	return cfg->n_usergroups;
}

size_t st_config_count(const struct st_config *cfg)
{
	return cfg->n;
}

const struct st_entry *st_config_entry(const struct st_config *cfg, size_t i)
{
	return i < cfg->n ? &cfg->entries[i] : NULL;
}
