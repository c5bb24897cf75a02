/* Pool VMs as data: see broker_pool_state.h. */
#include "broker_pool_state.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "broker_json.h"

void broker_pool_state_init(struct broker_pool_state *s)
{
	memset(s, 0, sizeof(*s));
	s->next_id = 1;
}

void broker_pool_state_free(struct broker_pool_state *s)
{
	if (s->v) {
		/* It holds the VMs' graphics passwords. */
		explicit_bzero(s->v, s->cap * sizeof(*s->v));
		free(s->v);
	}
	if (s->pv) {
		explicit_bzero(s->pv, s->pcap * sizeof(*s->pv));
		free(s->pv);
	}
	broker_pool_state_init(s);
}

struct broker_pool_vm *broker_pool_state_add(struct broker_pool_state *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct broker_pool_vm *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		if (s->v) {
			memcpy(v, s->v, s->n * sizeof(*v));
			explicit_bzero(s->v, s->cap * sizeof(*s->v));
			free(s->v);
		}
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

void broker_pool_state_remove(struct broker_pool_state *s, size_t i)
{
	if (i >= s->n)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
	explicit_bzero(&s->v[s->n], sizeof(s->v[0]));
}

long broker_pool_state_find(const struct broker_pool_state *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

struct broker_pool_personal *broker_pool_state_personal_add(struct broker_pool_state *s)
{
	if (s->pn == s->pcap) {
		size_t cap = s->pcap ? s->pcap * 2 : 16;
		struct broker_pool_personal *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		if (s->pv) {
			memcpy(v, s->pv, s->pn * sizeof(*v));
			explicit_bzero(s->pv, s->pcap * sizeof(*s->pv));
			free(s->pv);
		}
		s->pv = v;
		s->pcap = cap;
	}
	memset(&s->pv[s->pn], 0, sizeof(s->pv[0]));
	return &s->pv[s->pn++];
}

void broker_pool_state_personal_remove(struct broker_pool_state *s, size_t i)
{
	if (i >= s->pn)
		return;
	memmove(&s->pv[i], &s->pv[i + 1], (s->pn - i - 1) * sizeof(s->pv[0]));
	s->pn--;
	explicit_bzero(&s->pv[s->pn], sizeof(s->pv[0]));
}

long broker_pool_state_personal_find(const struct broker_pool_state *s, const char *pool,
				     const char *user)
{
	for (size_t i = 0; i < s->pn; i++)
		if (strcmp(s->pv[i].pool, pool) == 0 && strcmp(s->pv[i].user, user) == 0)
			return (long)i;
	return -1;
}

long broker_pool_state_personal_find_name(const struct broker_pool_state *s, const char *name)
{
	for (size_t i = 0; i < s->pn; i++)
		if (strcmp(s->pv[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const char *const pool_personal_names[] = {
    [BROKER_PERSONAL_NEW] = "new",	     [BROKER_PERSONAL_OFF] = "off",
    [BROKER_PERSONAL_STARTING] = "starting", [BROKER_PERSONAL_RUNNING] = "running",
    [BROKER_PERSONAL_STOPPING] = "stopping", [BROKER_PERSONAL_RESETTING] = "resetting",
    [BROKER_PERSONAL_REMOVING] = "removing",
};

const char *broker_pool_state_personal_name(enum broker_pool_personal_state st)
{
	return (unsigned)st <= BROKER_PERSONAL_REMOVING ? pool_personal_names[st] : "?";
}

static const char *const pool_state_names[] = {
    [BROKER_POOL_CREATING] = "creating",
    [BROKER_POOL_READY] = "ready",
    [BROKER_POOL_ASSIGNED] = "assigned",
    [BROKER_POOL_ENDING] = "ending",
};

const char *broker_pool_state_name(enum broker_pool_vm_state st)
{
	return (unsigned)st <= BROKER_POOL_ENDING ? pool_state_names[st] : "?";
}

int broker_pool_state_vm_name(const char *pool, unsigned long id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s-%lu", pool, id);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

bool broker_pool_state_is_ours(const char *pool, const char *name)
{
	size_t plen = strlen(pool);
	const char *p;

	if (strncmp(name, pool, plen) != 0 || name[plen] != '-')
		return false;
	p = name + plen + 1;
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

char *broker_pool_state_serialize(const struct broker_pool_state *s, size_t *len)
{
	struct broker_json j;
	char mac[MAC_STR_LEN];

	broker_json_init(&j, 256 + s->n * 512);
	broker_json_open(&j);
	broker_json_kv_uint(&j, "version", BROKER_POOL_STATE_VERSION);
	broker_json_kv_uint(&j, "next_id", s->next_id);
	broker_json_key(&j, "vms");
	broker_json_open_array(&j);
	for (size_t i = 0; i < s->n; i++) {
		const struct broker_pool_vm *vm = &s->v[i];

		broker_json_open(&j);
		broker_json_kv_str(&j, "pool", vm->pool);
		broker_json_kv_str(&j, "name", vm->name);
		broker_json_kv_str(&j, "uri", vm->uri);
		broker_json_kv_str(&j, "overlay", vm->overlay);
		broker_json_kv_str(&j, "state", broker_pool_state_name(vm->state));
		broker_json_kv_uint(&j, "created", (uint64_t)vm->created);
		if (vm->state != BROKER_POOL_CREATING) {
			broker_json_kv_str(&j, "protocol", st_protocol_name(vm->protocol));
			broker_json_kv_str(&j, "host", vm->host);
			broker_json_kv_uint(&j, "port", vm->port);
			broker_json_kv_uint(&j, "tls_port", vm->tls_port);
			broker_json_kv_str(&j, "password", vm->password);
		}
		if (vm->state == BROKER_POOL_ASSIGNED || vm->state == BROKER_POOL_ENDING) {
			mac_format(vm->station, mac);
			broker_json_kv_str(&j, "station", mac);
			broker_json_kv_uint(&j, "assigned", (uint64_t)vm->assigned);
			broker_json_kv_bool(&j, "connected", vm->connected);
			broker_json_kv_bool(&j, "viewer_in", vm->viewer_in);
			if (vm->user[0])
				broker_json_kv_str(&j, "user", vm->user);
			if (vm->held_until)
				broker_json_kv_uint(&j, "held_until", (uint64_t)vm->held_until);
		}
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_key(&j, "personal");
	broker_json_open_array(&j);
	for (size_t i = 0; i < s->pn; i++) {
		const struct broker_pool_personal *d = &s->pv[i];

		broker_json_open(&j);
		broker_json_kv_str(&j, "pool", d->pool);
		broker_json_kv_str(&j, "user", d->user);
		broker_json_kv_str(&j, "name", d->name);
		broker_json_kv_str(&j, "uri", d->uri);
		broker_json_kv_str(&j, "overlay", d->overlay);
		broker_json_kv_str(&j, "state", broker_pool_state_personal_name(d->state));
		broker_json_kv_str(&j, "protocol", st_protocol_name(d->protocol));
		broker_json_kv_str(&j, "host", d->host);
		broker_json_kv_uint(&j, "port", d->port);
		broker_json_kv_uint(&j, "tls_port", d->tls_port);
		broker_json_kv_str(&j, "password", d->password);
		broker_json_kv_uint(&j, "created", (uint64_t)d->created);
		broker_json_kv_uint(&j, "last_used", (uint64_t)d->last_used);
		broker_json_kv_bool(&j, "viewer", d->viewer);
		broker_json_close(&j);
	}
	broker_json_close_array(&j);
	broker_json_close(&j);
	return broker_json_take(&j, len);
}

/* A string member into a fixed buffer; required ones must be non-empty. */
static int pool_state_str(json_object *o, const char *key, bool required, char *out, size_t outlen,
			  char *err, size_t errlen)
{
	json_object *v;
	const char *s;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "a VM has no '%s'", key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "a VM's '%s' is not a string", key);
		return -1;
	}
	s = json_object_get_string(v);
	if (strlen(s) >= outlen || (required && !*s) || memchr(s, '\n', strlen(s))) {
		snprintf(err, errlen, "a VM's '%s' is empty or too long", key);
		return -1;
	}
	snprintf(out, outlen, "%s", s);
	return 0;
}

static int pool_state_uint(json_object *o, const char *key, unsigned long long max,
			   unsigned long long *out, char *err, size_t errlen)
{
	json_object *v;
	int64_t n;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < 0 ||
	    (unsigned long long)n > max) {
		snprintf(err, errlen, "'%s' is not a number from 0 to %llu", key, max);
		return -1;
	}
	*out = (unsigned long long)n;
	return 0;
}

static int pool_state_vm(json_object *o, struct broker_pool_vm *vm, char *err, size_t errlen)
{
	char st[16], proto[8], mac[MAC_STR_LEN + 1];
	unsigned long long n;
	json_object *b;
	size_t i;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a VM is not an object");
		return -1;
	}
	if (pool_state_str(o, "pool", true, vm->pool, sizeof(vm->pool), err, errlen) < 0 ||
	    pool_state_str(o, "name", true, vm->name, sizeof(vm->name), err, errlen) < 0 ||
	    pool_state_str(o, "uri", true, vm->uri, sizeof(vm->uri), err, errlen) < 0 ||
	    pool_state_str(o, "overlay", true, vm->overlay, sizeof(vm->overlay), err, errlen) < 0 ||
	    pool_state_str(o, "state", true, st, sizeof(st), err, errlen) < 0 ||
	    pool_state_str(o, "protocol", false, proto, sizeof(proto), err, errlen) < 0 ||
	    pool_state_str(o, "host", false, vm->host, sizeof(vm->host), err, errlen) < 0 ||
	    pool_state_str(o, "password", false, vm->password, sizeof(vm->password), err, errlen) <
		0 ||
	    pool_state_str(o, "station", false, mac, sizeof(mac), err, errlen) < 0 ||
	    pool_state_str(o, "user", false, vm->user, sizeof(vm->user), err, errlen) < 0)
		return -1;
	/* The name is what start-up matches libvirt's domains against. */
	if (!broker_pool_state_is_ours(vm->pool, vm->name)) {
		snprintf(err, errlen, "VM '%.100s' is not named after its pool", vm->name);
		return -1;
	}
	for (i = 0; i <= BROKER_POOL_ENDING; i++)
		if (strcmp(st, pool_state_names[i]) == 0)
			break;
	if (i > BROKER_POOL_ENDING) {
		snprintf(err, errlen, "VM '%.100s': unknown state '%s'", vm->name, st);
		return -1;
	}
	vm->state = (enum broker_pool_vm_state)i;
	vm->protocol = strcmp(proto, "vnc") == 0 ? ST_PROTO_VNC : ST_PROTO_SPICE;
	if (pool_state_uint(o, "port", 65535, &n, err, errlen) < 0)
		return -1;
	vm->port = (unsigned)n;
	if (pool_state_uint(o, "tls_port", 65535, &n, err, errlen) < 0)
		return -1;
	vm->tls_port = (unsigned)n;
	if (pool_state_uint(o, "created", INT64_MAX, &n, err, errlen) < 0)
		return -1;
	vm->created = (time_t)n;
	if (pool_state_uint(o, "assigned", INT64_MAX, &n, err, errlen) < 0)
		return -1;
	vm->assigned = (time_t)n;
	if (pool_state_uint(o, "held_until", INT64_MAX, &n, err, errlen) < 0)
		return -1;
	vm->held_until = (time_t)n;
	if (json_object_object_get_ex(o, "connected", &b))
		vm->connected = json_object_get_boolean(b);
	if (json_object_object_get_ex(o, "viewer_in", &b))
		vm->viewer_in = json_object_get_boolean(b);
	if ((vm->state == BROKER_POOL_READY || vm->state == BROKER_POOL_ASSIGNED) &&
	    ((!vm->port && !vm->tls_port) || !vm->host[0])) {
		snprintf(err, errlen, "VM '%.100s' is %s but has no address", vm->name, st);
		return -1;
	}
	if (vm->state == BROKER_POOL_ASSIGNED || vm->state == BROKER_POOL_ENDING) {
		if (mac_parse(mac, vm->station) < 0) {
			snprintf(err, errlen, "VM '%.100s' has no station MAC", vm->name);
			return -1;
		}
	}
	return 0;
}

static int pool_state_personal(json_object *o, struct broker_pool_personal *d, char *err,
			       size_t errlen)
{
	char st[16], proto[8], want[BROKER_POOL_VM_NAME_MAX];
	unsigned long long n;
	json_object *b;
	size_t i;

	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a personal desktop is not an object");
		return -1;
	}
	if (pool_state_str(o, "pool", true, d->pool, sizeof(d->pool), err, errlen) < 0 ||
	    pool_state_str(o, "user", true, d->user, sizeof(d->user), err, errlen) < 0 ||
	    pool_state_str(o, "name", true, d->name, sizeof(d->name), err, errlen) < 0 ||
	    pool_state_str(o, "uri", true, d->uri, sizeof(d->uri), err, errlen) < 0 ||
	    pool_state_str(o, "overlay", true, d->overlay, sizeof(d->overlay), err, errlen) < 0 ||
	    pool_state_str(o, "state", true, st, sizeof(st), err, errlen) < 0 ||
	    pool_state_str(o, "protocol", false, proto, sizeof(proto), err, errlen) < 0 ||
	    pool_state_str(o, "host", false, d->host, sizeof(d->host), err, errlen) < 0 ||
	    pool_state_str(o, "password", false, d->password, sizeof(d->password), err, errlen) < 0)
		return -1;
	/* The name is the one the pool and the user make, nothing else: it
	 * is what libvirt is asked to start, undefine and what is deleted. */
	if (broker_pool_user_name(d->pool, d->user, want, sizeof(want)) < 0 ||
	    strcmp(want, d->name) != 0) {
		snprintf(err, errlen, "personal desktop '%.100s' is not named after its user",
			 d->name);
		return -1;
	}
	for (i = 0; i <= BROKER_PERSONAL_REMOVING; i++)
		if (strcmp(st, pool_personal_names[i]) == 0)
			break;
	if (i > BROKER_PERSONAL_REMOVING) {
		snprintf(err, errlen, "personal desktop '%.100s': unknown state '%s'", d->name, st);
		return -1;
	}
	d->state = (enum broker_pool_personal_state)i;
	d->protocol = strcmp(proto, "vnc") == 0 ? ST_PROTO_VNC : ST_PROTO_SPICE;
	if (pool_state_uint(o, "port", 65535, &n, err, errlen) < 0)
		return -1;
	d->port = (unsigned)n;
	if (pool_state_uint(o, "tls_port", 65535, &n, err, errlen) < 0)
		return -1;
	d->tls_port = (unsigned)n;
	if (pool_state_uint(o, "created", INT64_MAX, &n, err, errlen) < 0)
		return -1;
	d->created = (time_t)n;
	if (pool_state_uint(o, "last_used", INT64_MAX, &n, err, errlen) < 0)
		return -1;
	d->last_used = (time_t)n;
	if (json_object_object_get_ex(o, "viewer", &b))
		d->viewer = json_object_get_boolean(b);
	return 0;
}

int broker_pool_state_parse(const char *text, size_t len, struct broker_pool_state *s, char *err,
			    size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *v, *vms;
	unsigned long long n;
	int ret = -1;

	broker_pool_state_init(s);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len > BROKER_POOL_FILE_MAX) {
		snprintf(err, errlen, "larger than %u bytes", BROKER_POOL_FILE_MAX);
		goto cleanup;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		goto cleanup;
	}
	if (pool_state_uint(root, "version", 1000, &n, err, errlen) < 0)
		goto cleanup;
	if (n != BROKER_POOL_STATE_VERSION) {
		snprintf(err, errlen, "version %llu, expected %d", n, BROKER_POOL_STATE_VERSION);
		goto cleanup;
	}
	if (pool_state_uint(root, "next_id", 1ull << 52, &n, err, errlen) < 0)
		goto cleanup;
	s->next_id = n ? (unsigned long)n : 1;
	if (!json_object_object_get_ex(root, "vms", &vms) ||
	    !json_object_is_type(vms, json_type_array)) {
		snprintf(err, errlen, "no 'vms' array");
		goto cleanup;
	}
	for (size_t i = 0; i < json_object_array_length(vms); i++) {
		struct broker_pool_vm *vm = broker_pool_state_add(s);

		v = json_object_array_get_idx(vms, i);
		if (!vm) {
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
		if (pool_state_vm(v, vm, err, errlen) < 0)
			goto cleanup;
		if (broker_pool_state_find(s, vm->name) != (long)(s->n - 1)) {
			snprintf(err, errlen, "VM '%.100s' appears twice", vm->name);
			goto cleanup;
		}
	}
	if (json_object_object_get_ex(root, "personal", &vms)) {
		if (!json_object_is_type(vms, json_type_array)) {
			snprintf(err, errlen, "'personal' is not an array");
			goto cleanup;
		}
		for (size_t i = 0; i < json_object_array_length(vms); i++) {
			struct broker_pool_personal *d = broker_pool_state_personal_add(s);

			if (!d) {
				snprintf(err, errlen, "out of memory");
				goto cleanup;
			}
			if (pool_state_personal(json_object_array_get_idx(vms, i), d, err, errlen) <
			    0)
				goto cleanup;
			if (broker_pool_state_personal_find_name(s, d->name) != (long)(s->pn - 1)) {
				snprintf(err, errlen, "personal desktop '%.100s' appears twice",
					 d->name);
				goto cleanup;
			}
		}
	}
	ret = 0;
cleanup:
	if (ret < 0)
		broker_pool_state_free(s);
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

static int pool_action_add(struct broker_pool_action **v, size_t *n, size_t *cap,
			   enum broker_pool_action_kind kind, const char *a, const char *b)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct broker_pool_action *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = c;
	}
	(*v)[*n].kind = kind;
	snprintf((*v)[*n].arg, sizeof((*v)[*n].arg), "%s%s", a, b ? b : "");
	(*n)++;
	return 0;
}

static bool pool_listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Whether the file name is "<vm>.qcow2" of a VM of this pool. */
static bool pool_overlay_ours(const char *pool, const char *file, char *vm, size_t vmlen)
{
	size_t len = strlen(file);

	if (len <= 6 || len - 6 >= vmlen || strcmp(file + len - 6, ".qcow2") != 0)
		return false;
	memcpy(vm, file, len - 6);
	vm[len - 6] = '\0';
	return broker_pool_state_is_ours(pool, vm);
}

/* The rules, three passes so that the order holds:
 *  1. table entries: a ready or assigned VM that runs is adopted or kept; a
 *     half-made (creating) or ending one is destroyed with its overlay, as
 *     is a ready or assigned one whose domain is gone (its overlay is all
 *     that is left);
 *  2. running domains of the pool that the table does not know: destroyed
 *     (a crash between creating the domain and writing the table cannot
 *     happen, since the name is written first, but a lost or replaced
 *     file can);
 *  3. overlay files of the pool that no kept VM uses: deleted.
 * Entries are forgotten at the very end, after everything they named is
 * gone, so that a crash during reconciliation leaves them to the next. */
int broker_pool_state_reconcile(const struct broker_pool_state *s, const char *pool,
				const char *overlay_dir, const char *const *domains,
				size_t n_domains, const char *const *overlays, size_t n_overlays,
				struct broker_pool_action **out, size_t *n_out)
{
	struct broker_pool_action *v = NULL;
	size_t n = 0, cap = 0, i;
	bool *kept = calloc(s->n + 1, sizeof(*kept));
	char vm[BROKER_POOL_VM_NAME_MAX];

	*out = NULL;
	*n_out = 0;
	if (!kept)
		return -1;
	for (i = 0; i < s->n; i++) {
		const struct broker_pool_vm *e = &s->v[i];
		bool running = pool_listed(domains, n_domains, e->name);

		if (strcmp(e->pool, pool) != 0)
			continue;
		if (running && e->state == BROKER_POOL_READY) {
			kept[i] = true;
			if (pool_action_add(&v, &n, &cap, BROKER_POOL_ADOPT, e->name, NULL) < 0)
				goto oom;
		} else if (running && e->state == BROKER_POOL_ASSIGNED) {
			kept[i] = true;
			if (pool_action_add(&v, &n, &cap, BROKER_POOL_KEEP, e->name, NULL) < 0)
				goto oom;
		} else if (running && pool_action_add(&v, &n, &cap, BROKER_POOL_DESTROY_DOMAIN,
						      e->name, NULL) < 0) {
			goto oom;
		}
	}
	for (i = 0; i < n_domains; i++) {
		if (!broker_pool_state_is_ours(pool, domains[i]) ||
		    broker_pool_state_find(s, domains[i]) >= 0)
			continue;
		if (pool_action_add(&v, &n, &cap, BROKER_POOL_DESTROY_DOMAIN, domains[i], NULL) < 0)
			goto oom;
	}
	/* Overlays of entries not kept (their files may be anywhere the
	 * entry says), then unknown files in the folder. */
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].pool, pool) != 0 || kept[i])
			continue;
		if (pool_action_add(&v, &n, &cap, BROKER_POOL_REMOVE_OVERLAY, s->v[i].overlay,
				    NULL) < 0)
			goto oom;
	}
	for (i = 0; i < n_overlays; i++) {
		char path[BROKER_POOL_PATH_MAX];
		long k;

		if (!pool_overlay_ours(pool, overlays[i], vm, sizeof(vm)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", overlay_dir, overlays[i]);
		k = broker_pool_state_find(s, vm);
		if (k >= 0 && (kept[k] || strcmp(s->v[k].overlay, path) == 0))
			continue; /* kept, or already deleted above */
		if (pool_action_add(&v, &n, &cap, BROKER_POOL_REMOVE_OVERLAY, path, NULL) < 0)
			goto oom;
	}
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].pool, pool) != 0 || kept[i])
			continue;
		if (pool_action_add(&v, &n, &cap, BROKER_POOL_FORGET, s->v[i].name, NULL) < 0)
			goto oom;
	}
	free(kept);
	*out = v;
	*n_out = n;
	return 0;
oom:
	free(kept);
	free(v);
	return -1;
}
