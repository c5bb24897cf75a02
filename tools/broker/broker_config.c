/* Config snapshots and reload: see broker_config.h. */
#include <pthread.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "broker_config.h"
#include "fileio.h"
#include "broker_time.h"
#include "log.h"

struct broker_config {
	char *path;
	char *dir;		     /* base for relative paths in the file (ca = ...) */
	pthread_mutex_t lock;	     /* guards cur, held and hold */
	pthread_mutex_t reload_lock; /* one reload at a time */
	struct broker_snapshot *cur;
	bool held;
	struct broker_config_hold hold;
	unsigned long generation;
};

struct broker_config *broker_config_new(const char *path)
{
	struct broker_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->path = strdup(path);
	/* Relative paths in the file (ca, a pool's template, base image
	 * and overlay folder) are resolved against its folder. */
	c->dir = file_dir_absolute(path);
	if (!c->path || !c->dir) {
		free(c->path);
		free(c->dir);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->reload_lock, NULL);
	return c;
}

static void snapshot_free(struct broker_snapshot *s)
{
	if (!s)
		return;
	broker_reply_frags_free(s->frags);
	if (s->cfg)
		st_config_free(s->cfg);
	free(s);
}

void broker_config_free(struct broker_config *c)
{
	if (!c)
		return;
	broker_config_release(c->cur);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->reload_lock);
	free(c->path);
	free(c->dir);
	free(c);
}

const char *broker_config_path(const struct broker_config *c)
{
	return c->path;
}

struct broker_snapshot *broker_config_acquire(struct broker_config *c)
{
	struct broker_snapshot *s;

	pthread_mutex_lock(&c->lock);
	s = c->cur;
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&c->lock);
	return s;
}

void broker_config_release(struct broker_snapshot *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		snapshot_free(s);
}

const struct st_entry *broker_snapshot_match(const struct broker_snapshot *s, const uint8_t mac[6],
					     const struct ipaddr *ip, const char *hostname,
					     const struct broker_frag **frag)
{
	const struct st_entry *e;

	*frag = NULL;
	e = st_config_match(s->cfg, mac, ip, hostname && hostname[0] ? hostname : NULL);
	if (!e)
		return NULL;
	*frag = broker_reply_frag(s->frags, e->index);
	/* A match without fragments cannot happen for a built config; treat
	 * it as unknown rather than crash. */
	return *frag ? e : NULL;
}

bool broker_config_drops_too_many(size_t serving, size_t mappings)
{
	return serving > 0 && (mappings == 0 || mappings * 2 < serving);
}

bool broker_config_held(struct broker_config *c, struct broker_config_hold *out)
{
	bool held;

	pthread_mutex_lock(&c->lock);
	held = c->held;
	if (held && out)
		*out = c->hold;
	pthread_mutex_unlock(&c->lock);
	return held;
}

/* SIGHUP and the forced admin reload are the admin saying "this file is
 * what I want"; a change seen by the watch, or a plain admin reload, may be
 * a file caught half-written. */
static bool config_trigger_confirms(const char *trigger)
{
	return strcmp(trigger, BROKER_TRIGGER_SIGHUP) == 0 ||
	       strcmp(trigger, BROKER_TRIGGER_FORCE) == 0;
}

/* Called with c->lock held. True when s must not replace c->cur; the hold
 * then describes s. */
static bool config_hold_locked(struct broker_config *c, const struct broker_snapshot *s,
			       const char *trigger)
{
	if (config_trigger_confirms(trigger) || !c->cur ||
	    !broker_config_drops_too_many(c->cur->mappings, s->mappings)) {
		c->held = false;
		return false;
	}
	if (!c->held)
		c->hold.since = broker_time_now();
	c->held = true;
	c->hold.mappings = s->mappings;
	c->hold.serving = c->cur->mappings;
	snprintf(c->hold.trigger, sizeof(c->hold.trigger), "%s", trigger);
	return true;
}

static void config_log_held(size_t serving, size_t mappings, const char *trigger)
{
	char now[24], old[24];

	snprintf(now, sizeof(now), "%zu", mappings);
	snprintf(old, sizeof(old), "%zu", serving);
	log_event(LOG_WARN, "reload", "status", "held", "trigger", trigger, "mappings", now,
		  "serving", old, "note",
		  "the file keeps too few mappings (cut short or emptied?); the old ones keep "
		  "serving; apply it with 'stationctl reload --force' or SIGHUP",
		  NULL);
}

/* "file:line: msg", as admins know it from compilers. */
void broker_config_diag_text(const struct st_diags *d, size_t i, char *out, size_t len)
{
	if (d->v[i].line)
		snprintf(out, len, "%s:%u: %s", d->file, d->v[i].line, d->v[i].msg);
	else
		snprintf(out, len, "%s: %s", d->file, d->v[i].msg);
}

/* A broken file is tried again at every change and SIGHUP: a million
 * errors logged each time would fill the disk, so each attempt logs the
 * first few and how many there were. */
#define CONFIG_DIAGS_LOGGED 20

static void config_log_rejected(const struct st_diags *d, const char *trigger)
{
	char text[sizeof(d->file) + sizeof(d->v[0].msg) + 16], num[24], more[24];
	size_t i;

	for (i = 0; i < d->n && i < CONFIG_DIAGS_LOGGED; i++) {
		broker_config_diag_text(d, i, text, sizeof(text));
		log_event(LOG_ERROR, "reload", "status", "rejected", "trigger", trigger, "error",
			  text, NULL);
	}
	if (d->n > CONFIG_DIAGS_LOGGED) {
		snprintf(num, sizeof(num), "%zu", d->n);
		snprintf(more, sizeof(more), "%zu", d->n - CONFIG_DIAGS_LOGGED);
		log_event(LOG_ERROR, "reload", "status", "rejected", "trigger", trigger, "errors",
			  num, "not_logged", more, NULL);
	}
	/* Without diagnostics the failure was ours, not the file's. */
	if (d->n == 0)
		log_event(LOG_ERROR, "reload", "status", "rejected", "trigger", trigger, "error",
			  "out of memory", NULL);
}

int broker_config_reload(struct broker_config *c, const char *trigger, struct st_diags *d)
{
	struct st_doc *doc = NULL;
	struct st_config *cfg = NULL;
	struct broker_snapshot *s = NULL, *old;
	char num[24], gen[24], ms[24], bytes[24];
	long long t0 = broker_time_mono_ms();
	size_t i, serving = 0;
	bool held = false;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", c->path);
	pthread_mutex_lock(&c->reload_lock);
	if (st_doc_load(c->path, false, &doc, d) < 0)
		goto cleanup;
	cfg = st_config_build(doc, c->dir, d);
	/* The config keeps copies of everything it needs: the document goes
	 * before the reply fragments are built, so the two are never in
	 * memory together (a reload's peak is the old config plus this). */
	st_doc_free(doc);
	doc = NULL;
	if (!cfg)
		goto cleanup;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto cleanup;
	s->cfg = cfg;
	cfg = NULL;
	s->frags = broker_reply_frags_build(s->cfg);
	if (!s->frags)
		goto cleanup;
	for (i = 0; i < st_config_count(s->cfg); i++) {
		if (st_config_entry(s->cfg, i)->target.kind != ST_GROUP)
			s->mappings++;
	}
	s->loaded = broker_time_now();
	atomic_init(&s->refs, 1);

	pthread_mutex_lock(&c->lock);
	held = config_hold_locked(c, s, trigger);
	if (held) {
		serving = c->cur->mappings;
		pthread_mutex_unlock(&c->lock);
		config_log_held(serving, s->mappings, trigger);
		goto cleanup;
	}
	s->generation = ++c->generation;
	old = c->cur;
	c->cur = s;
	pthread_mutex_unlock(&c->lock);
	broker_config_release(old);

	snprintf(num, sizeof(num), "%zu", s->mappings);
	snprintf(gen, sizeof(gen), "%lu", s->generation);
	snprintf(ms, sizeof(ms), "%lld", broker_time_mono_ms() - t0);
	snprintf(bytes, sizeof(bytes), "%zu", broker_reply_frags_bytes(s->frags));
	log_event(LOG_INFO, "reload", "status", "ok", "trigger", trigger, "mappings", num,
		  "generation", gen, "ms", ms, "reply_bytes", bytes, NULL);
	s = NULL;
	rc = 0;
cleanup:
	if (rc < 0 && !held) {
		/* A file that is not valid is not the one held either. */
		pthread_mutex_lock(&c->lock);
		c->held = false;
		pthread_mutex_unlock(&c->lock);
		config_log_rejected(d, trigger);
	}
	pthread_mutex_unlock(&c->reload_lock);
	snapshot_free(s);
	if (cfg)
		st_config_free(cfg);
	if (doc)
		st_doc_free(doc);
	/* Parsing a large file leaves tens of MB of freed heap behind; hand
	 * it back so a broker's footprint is its mappings, not its peak. */
	malloc_trim(0);
	return rc;
}
