/* Login checks and the failure rate limiter: see broker_login.h. */
#include <pthread.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_directory.h"
#include "broker_login.h"
#include "broker_lru.h"
#include "log.h"
#include "users.h"

#define RL_KEY_MAX 80

struct rl_entry {
	struct broker_lru_node node; /* first: the table hands us nodes */
	char key[RL_KEY_MAX];
	unsigned failures; /* in the current window */
	time_t window_start;
	time_t last_failure;
	time_t blocked_until;
	unsigned strikes; /* blocks so far, for the doubling */
};

/* Two tables, so that a flood of new keys cannot push out what matters:
 * plain keys (failures, never blocked) make room for each other, and a key
 * moves to held at its first block, where only other blocked keys can
 * push it out. Each table holds max_keys. */
struct broker_ratelimit {
	pthread_mutex_t lock;
	struct broker_ratelimit_params p;
	struct broker_lru plain, held;
	uint64_t seed;
};

/* The directory settings as loaded once: logins in flight keep the one
 * they started with while a changed file is loaded beside it. */
struct login_dir {
	struct broker_directory *d;
	unsigned refs; /* the current one counts one */
};

struct broker_login {
	char *users_path;
	/* The directory: its settings file is looked at again (stat, at most
	 * once a second) when a login needs it; a changed settings or
	 * password file is loaded, and one with errors is logged and the
	 * last good one kept. */
	char *dir_path;
	pthread_mutex_t dir_lock;
	struct login_dir *dir;
	struct stat dir_st, pw_st;
	time_t dir_checked;
	/* The back-ends in their order; without a directory the users file
	 * alone. */
	enum directory_backend order[DIRECTORY_MAX_BACKENDS];
	size_t n_order;
	struct broker_ratelimit *rl;	  /* MAC and user keys */
	struct broker_ratelimit *rl_addr; /* client address keys */
};

static bool rl_eq(const struct broker_lru_node *n, const void *arg)
{
	return strcmp(((const struct rl_entry *)n)->key, arg) == 0;
}

static void rl_entry_free(struct broker_lru_node *n)
{
	free(n);
}

struct broker_ratelimit *broker_ratelimit_new(const struct broker_ratelimit_params *p)
{
	struct broker_ratelimit *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return NULL;
	rl->p = *p;
	if (rl->p.max_failures == 0)
		rl->p.max_failures = 1;
	if (broker_lru_init(&rl->plain, p->max_keys ? p->max_keys : 1) < 0) {
		free(rl);
		return NULL;
	}
	if (broker_lru_init(&rl->held, p->max_keys ? p->max_keys : 1) < 0) {
		broker_lru_destroy(&rl->plain, NULL);
		free(rl);
		return NULL;
	}
	/* Keys are strings strangers choose; a per-process seed keeps them
	 * from aiming at one bucket. The address of a heap object varies
	 * with ASLR, which is enough for a table that compares full keys. */
	rl->seed = (uint64_t)(uintptr_t)rl ^ (uint64_t)time(NULL);
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void broker_ratelimit_free(struct broker_ratelimit *rl)
{
	if (!rl)
		return;
	broker_lru_destroy(&rl->plain, rl_entry_free);
	broker_lru_destroy(&rl->held, rl_entry_free);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static struct rl_entry *rl_find(struct broker_ratelimit *rl, const char *key)
{
	uint64_t h = broker_lru_hash(key, strlen(key), rl->seed);
	struct broker_lru_node *n = broker_lru_find(&rl->held, h, rl_eq, key);

	if (!n)
		n = broker_lru_find(&rl->plain, h, rl_eq, key);
	return (struct rl_entry *)n;
}

/* The table e is in: a key that has been blocked is held. */
static struct broker_lru *rl_table(struct broker_ratelimit *rl, const struct rl_entry *e)
{
	return e->strikes ? &rl->held : &rl->plain;
}

static void rl_drop(struct broker_ratelimit *rl, struct rl_entry *e)
{
	broker_lru_remove(rl_table(rl, e), &e->node);
	free(e);
}

/* Forgets what has aged out, so that the table keeps only live keys. */
static bool rl_expired(const struct broker_ratelimit *rl, const struct rl_entry *e, time_t now)
{
	return now >= e->blocked_until && now - e->last_failure >= (time_t)rl->p.max_block &&
	       now - e->last_failure >= (time_t)rl->p.window;
}

unsigned broker_ratelimit_check(struct broker_ratelimit *rl, const char *key, time_t now)
{
	struct rl_entry *e;
	unsigned wait = 0;

	pthread_mutex_lock(&rl->lock);
	e = rl_find(rl, key);
	if (e && rl_expired(rl, e, now)) {
		rl_drop(rl, e);
		e = NULL;
	}
	if (e && now < e->blocked_until)
		wait = (unsigned)(e->blocked_until - now);
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

unsigned broker_ratelimit_fail(struct broker_ratelimit *rl, const char *key, time_t now)
{
	struct broker_lru_node *old;
	struct rl_entry *e;
	unsigned block = 0, shift;
	unsigned long long b;

	pthread_mutex_lock(&rl->lock);
	e = rl_find(rl, key);
	if (e && rl_expired(rl, e, now)) {
		rl_drop(rl, e);
		e = NULL;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			goto out; /* fail open on OOM: a login is not worth a crash */
		snprintf(e->key, sizeof(e->key), "%s", key);
		e->node.key = broker_lru_hash(e->key, strlen(e->key), rl->seed);
		e->window_start = now;
		old = broker_lru_insert(&rl->plain, &e->node);
		free(old);
	} else {
		broker_lru_touch(rl_table(rl, e), &e->node);
	}
	if (now - e->window_start >= (time_t)rl->p.window) {
		e->window_start = now;
		e->failures = 0;
	}
	e->failures++;
	e->last_failure = now;
	if (e->failures >= rl->p.max_failures) {
		shift = e->strikes < 20 ? e->strikes : 20;
		b = (unsigned long long)rl->p.block << shift;
		if (b > rl->p.max_block)
			b = rl->p.max_block;
		block = (unsigned)b;
		e->blocked_until = now + block;
		if (e->strikes == 0) {
			/* Blocked: from now on only other blocked keys can
			 * make it go. */
			broker_lru_remove(&rl->plain, &e->node);
			old = broker_lru_insert(&rl->held, &e->node);
			free(old);
		}
		e->strikes++;
		/* The next window starts when the block ends. */
		e->failures = 0;
		e->window_start = e->blocked_until;
	}
out:
	pthread_mutex_unlock(&rl->lock);
	return block;
}

void broker_ratelimit_success(struct broker_ratelimit *rl, const char *key)
{
	struct rl_entry *e;

	pthread_mutex_lock(&rl->lock);
	e = rl_find(rl, key);
	if (e)
		rl_drop(rl, e);
	pthread_mutex_unlock(&rl->lock);
}

struct broker_login *broker_login_new(const char *users_path,
				      const struct broker_ratelimit_params *p)
{
	struct broker_login *l = calloc(1, sizeof(*l));
	struct broker_ratelimit_params addr;

	if (!l)
		return NULL;
	if (users_path) {
		l->users_path = strdup(users_path);
		if (!l->users_path)
			goto fail;
	}
	l->order[0] = DIRECTORY_BACKEND_LOCAL;
	l->n_order = 1;
	pthread_mutex_init(&l->dir_lock, NULL);
	l->rl = broker_ratelimit_new(p);
	if (!l->rl)
		goto fail;
	/* One station's address sees several users fail now and then (a
	 * class at the start of a lesson); BROKER_LOGIN_ADDR_FACTOR times
	 * the per-user allowance leaves room for that, and still stops one
	 * address from trying one password after another against every
	 * user it can name. */
	addr = *p;
	addr.max_failures = (p->max_failures ? p->max_failures : 1) * BROKER_LOGIN_ADDR_FACTOR;
	l->rl_addr = broker_ratelimit_new(&addr);
	if (!l->rl_addr)
		goto fail;
	return l;
fail:
	broker_login_free(l);
	return NULL;
}

static void login_dir_stat(const char *path, struct stat *st)
{
	if (!path || stat(path, st) < 0)
		memset(st, 0, sizeof(*st));
}

static bool login_dir_same(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void login_dir_put_locked(struct broker_login *l, struct login_dir *ld)
{
	if (ld && --ld->refs == 0) {
		broker_directory_free(ld->d);
		free(ld);
	}
}

/* Loads path as the current directory (l->dir_lock held). */
static int login_dir_load(struct broker_login *l, char *err, size_t errlen)
{
	struct login_dir *ld = calloc(1, sizeof(*ld));
	const struct directory_conf *c;

	if (!ld) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	login_dir_stat(l->dir_path, &l->dir_st);
	ld->d = broker_directory_new(l->dir_path, err, errlen);
	if (!ld->d) {
		free(ld);
		return -1;
	}
	c = broker_directory_conf(ld->d);
	login_dir_stat(c->bind_password_file, &l->pw_st);
	ld->refs = 1;
	login_dir_put_locked(l, l->dir);
	l->dir = ld;
	memcpy(l->order, c->backends, sizeof(l->order));
	l->n_order = c->n_backends;
	return 0;
}

int broker_login_set_directory(struct broker_login *l, const char *path, char *err, size_t errlen)
{
	int r;

	l->dir_path = strdup(path);
	if (!l->dir_path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&l->dir_lock);
	r = login_dir_load(l, err, errlen);
	pthread_mutex_unlock(&l->dir_lock);
	return r;
}

/* The current directory, for one login, after a look at its files; with
 * the back-end order that goes with it. NULL without a directory. */
static struct login_dir *login_dir_get(struct broker_login *l,
				       enum directory_backend order[DIRECTORY_MAX_BACKENDS],
				       size_t *n_order)
{
	struct login_dir *ld;
	struct stat st, pw;
	char err[512];
	time_t now = time(NULL);

	pthread_mutex_lock(&l->dir_lock);
	if (l->dir && now != l->dir_checked) {
		l->dir_checked = now;
		login_dir_stat(l->dir_path, &st);
		login_dir_stat(broker_directory_conf(l->dir->d)->bind_password_file, &pw);
		if (!login_dir_same(&st, &l->dir_st) || !login_dir_same(&pw, &l->pw_st)) {
			if (login_dir_load(l, err, sizeof(err)) < 0) {
				/* Not again until the files change once more. */
				l->dir_st = st;
				l->pw_st = pw;
				log_event(LOG_ERROR, "directory", "file", l->dir_path, "error", err,
					  "kept", "the last good settings", NULL);
			} else {
				log_event(LOG_INFO, "directory", "file", l->dir_path, "event",
					  "reloaded", NULL);
			}
		}
	}
	ld = l->dir;
	if (ld)
		ld->refs++;
	memcpy(order, l->order, sizeof(l->order));
	*n_order = l->n_order;
	pthread_mutex_unlock(&l->dir_lock);
	return ld;
}

static void login_dir_put(struct broker_login *l, struct login_dir *ld)
{
	pthread_mutex_lock(&l->dir_lock);
	login_dir_put_locked(l, ld);
	pthread_mutex_unlock(&l->dir_lock);
}

void broker_login_who_clear(struct broker_login_who *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n_groups; i++)
		free(w->groups[i]);
	free(w->groups);
	memset(w, 0, sizeof(*w));
}

void broker_login_free(struct broker_login *l)
{
	if (!l)
		return;
	login_dir_put_locked(l, l->dir);
	pthread_mutex_destroy(&l->dir_lock);
	free(l->dir_path);
	broker_ratelimit_free(l->rl);
	broker_ratelimit_free(l->rl_addr);
	free(l->users_path);
	free(l);
}

/* The address key: an IPv4 address, or an IPv6 /64 (one host can pick any
 * address in its /64 at will). */
static void login_addr_key(const struct ipaddr *ip, char *out, size_t outlen)
{
	struct ipaddr net = *ip;
	char text[IP_STR_LEN];

	if (!ip_is_v4(&net))
		ip_mask(&net, 64);
	ip_format(&net, text);
	snprintf(out, outlen, "addr:%s", text);
}

static unsigned login_max(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* The three keys of an attempt. */
struct login_keys {
	char mac[RL_KEY_MAX], user[RL_KEY_MAX], addr[RL_KEY_MAX];
};

static void login_keys(struct login_keys *k, const char *mac, const struct ipaddr *ip,
		       const char *user)
{
	snprintf(k->mac, sizeof(k->mac), "mac:%s", mac);
	snprintf(k->user, sizeof(k->user), "user:%s", user);
	login_addr_key(ip, k->addr, sizeof(k->addr));
}

static enum broker_login_result login_limits(struct broker_login *l, const struct login_keys *k,
					     time_t now, unsigned *retry_after)
{
	unsigned w1, w2, w3;

	*retry_after = 0;
	if (!l->users_path && !l->dir_path)
		return BROKER_LOGIN_UNAVAILABLE;
	w1 = broker_ratelimit_check(l->rl, k->mac, now);
	w2 = broker_ratelimit_check(l->rl, k->user, now);
	w3 = broker_ratelimit_check(l->rl_addr, k->addr, now);
	if (w1 || w2 || w3) {
		*retry_after = login_max(login_max(w1, w2), w3);
		return BROKER_LOGIN_LIMITED;
	}
	return BROKER_LOGIN_OK;
}

enum broker_login_result broker_login_precheck(struct broker_login *l, const char *mac,
					       const struct ipaddr *ip, const char *user,
					       time_t now, unsigned *retry_after)
{
	struct login_keys k;

	login_keys(&k, mac, ip, user);
	return login_limits(l, &k, now, retry_after);
}

/* One back-end's verdict. */
static enum broker_login_result login_backend(struct broker_login *l, struct login_dir *ld,
					      enum directory_backend b, const char *user,
					      const char *password, struct broker_login_who *who)
{
	int r;

	if (b == DIRECTORY_BACKEND_DIRECTORY) {
		switch (broker_directory_check(ld->d, user, password, who)) {
		case BROKER_DIRECTORY_OK:
			return BROKER_LOGIN_OK;
		case BROKER_DIRECTORY_FAILED:
			return BROKER_LOGIN_FAILED;
		case BROKER_DIRECTORY_LOCKED:
			return BROKER_LOGIN_LOCKED;
		case BROKER_DIRECTORY_UNAVAILABLE:
			return BROKER_LOGIN_UNAVAILABLE;
		}
		return BROKER_LOGIN_UNAVAILABLE;
	}
	r = users_check(l->users_path, user, password);
	if (r < 0)
		return BROKER_LOGIN_UNAVAILABLE;
	if (r == 0)
		return BROKER_LOGIN_FAILED;
	snprintf(who->user, sizeof(who->user), "%s", user);
	return BROKER_LOGIN_OK;
}

/* A refusal names nobody and no group; the back-end stays, for the
 * message. */
static void login_who_refused(struct broker_login_who *who)
{
	enum broker_login_backend b = who->backend;

	broker_login_who_clear(who);
	who->backend = b;
}

/* The back-ends in their order: the first OK wins, a locked account ends
 * the search (another back-end must not open what the directory locked),
 * and a refusal while some back-end could not answer is UNAVAILABLE (the
 * password may be right there). A back-end that is not set up (no --users
 * file) is skipped. */
static enum broker_login_result login_check(struct broker_login *l, const char *user,
					    const char *password, struct broker_login_who *who)
{
	enum broker_login_result r, res = BROKER_LOGIN_FAILED;
	enum broker_login_backend down = BROKER_LOGIN_BACKEND_NONE;
	enum directory_backend order[DIRECTORY_MAX_BACKENDS];
	size_t i, n;
	struct login_dir *ld = login_dir_get(l, order, &n);
	bool any = false;

	for (i = 0; i < n; i++) {
		enum directory_backend b = order[i];

		if (b == DIRECTORY_BACKEND_LOCAL ? !l->users_path : !ld)
			continue;
		any = true;
		broker_login_who_clear(who);
		r = login_backend(l, ld, b, user, password, who);
		who->backend = b == DIRECTORY_BACKEND_LOCAL ? BROKER_LOGIN_BACKEND_LOCAL
							    : BROKER_LOGIN_BACKEND_DIRECTORY;
		if (r == BROKER_LOGIN_OK || r == BROKER_LOGIN_LOCKED)
			goto out;
		if (r == BROKER_LOGIN_UNAVAILABLE && down != BROKER_LOGIN_BACKEND_DIRECTORY) {
			/* Which back-end could not answer, for the station's
			 * message (the directory's, when it was one). */
			down = who->backend;
			res = r;
		}
	}
	r = any ? res : BROKER_LOGIN_UNAVAILABLE;
	login_who_refused(who);
	if (r == BROKER_LOGIN_UNAVAILABLE)
		who->backend = down;
out:
	login_dir_put(l, ld);
	return r;
}

/* Who a login turned out to be: the directory's spelling of the name and
 * the groups that mappings can name, for an admin who wonders why a user
 * got a desktop. */
static void login_log_who(const char *typed, const struct broker_login_who *who)
{
	char groups[1024];
	size_t i, n = 0;
	int k;

	groups[0] = '\0';
	for (i = 0; i < who->n_groups && n < sizeof(groups); i++) {
		k = snprintf(groups + n, sizeof(groups) - n, "%s%s", i ? "," : "", who->groups[i]);
		if (k < 0 || (size_t)k >= sizeof(groups) - n) {
			groups[n] = '\0';
			break;
		}
		n += (size_t)k;
	}
	log_event(LOG_INFO, "login_who", "user", typed, "as", who->user, "backend",
		  who->backend == BROKER_LOGIN_BACKEND_DIRECTORY ? "directory" : "local", "groups",
		  groups, NULL);
}

enum broker_login_result broker_login_attempt(struct broker_login *l, const char *mac,
					      const struct ipaddr *ip, const char *user,
					      const char *password, time_t now,
					      unsigned *retry_after, struct broker_login_who *who)
{
	struct login_keys k;
	const char *kmac = k.mac, *kuser = k.user, *kaddr = k.addr;
	struct broker_login_who scratch = {0};
	enum broker_login_result res;
	unsigned w1, w2, w3;

	if (!who)
		who = &scratch;
	login_keys(&k, mac, ip, user);
	res = login_limits(l, &k, now, retry_after);
	if (res != BROKER_LOGIN_OK)
		return res;

	res = login_check(l, user, password, who);
	if (res == BROKER_LOGIN_OK)
		login_log_who(user, who);
	if (who == &scratch)
		broker_login_who_clear(&scratch);
	if (res == BROKER_LOGIN_UNAVAILABLE || res == BROKER_LOGIN_LOCKED)
		return res;
	if (res == BROKER_LOGIN_FAILED) {
		w1 = broker_ratelimit_fail(l->rl, kmac, now);
		w2 = broker_ratelimit_fail(l->rl, kuser, now);
		w3 = broker_ratelimit_fail(l->rl_addr, kaddr, now);
		*retry_after = login_max(login_max(w1, w2), w3);
		return BROKER_LOGIN_FAILED;
	}
	/* The address is not cleared: one user's success says nothing about
	 * the guesses made from there for others. */
	broker_ratelimit_success(l->rl, kmac);
	broker_ratelimit_success(l->rl, kuser);
	return BROKER_LOGIN_OK;
}

const char *broker_login_result_name(enum broker_login_result r)
{
	switch (r) {
	case BROKER_LOGIN_OK:
		return "ok";
	case BROKER_LOGIN_FAILED:
		return "failed";
	case BROKER_LOGIN_LIMITED:
		return "rate_limited";
	case BROKER_LOGIN_UNAVAILABLE:
		return "unavailable";
	case BROKER_LOGIN_LOCKED:
		return "locked";
	}
	return "unknown";
}
