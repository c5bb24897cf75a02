/* The broker's users file: "name:crypt-hash" lines.
 *
 * Checking hashes the offered password against the stored entry with
 * libcrypt, so every hash method libcrypt knows ($y$, $gy$, $7$, $6$, $5$,
 * ...) works, including hashes an admin copied from /etc/shadow. Setting
 * always writes yescrypt, the Debian 12 default. */
#include "users.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"

/* Editors of the users file wait this long for each other. */
#define USERS_LOCK_TIMEOUT_MS 10000

bool users_name_valid(const char *name)
{
	size_t n = 0;

	if (!name || name[0] == '\0' || name[0] == '-' || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++, n++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '-';
		if (!ok || n >= USERNAME_MAX)
			return false;
	}
	return true;
}

static void users_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void users_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One line of the file, pointing into the file buffer (not NUL-terminated). */
struct users_line {
	const char *start;
	size_t len;	  /* without the newline */
	const char *name; /* NULL for blank and comment lines */
	size_t name_len;
	const char *hash;
	size_t hash_len;
};

/* Splits one line. 0 for a blank/comment/entry line, -1 when malformed. */
static int users_line_parse(struct users_line *l)
{
	const char *p = l->start, *end = l->start + l->len, *colon;
	char name[USERNAME_MAX + 1];

	l->name = l->hash = NULL;
	l->name_len = l->hash_len = 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	colon = memchr(l->start, ':', l->len);
	if (!colon || colon == l->start || (size_t)(colon - l->start) > USERNAME_MAX)
		return -1;
	memcpy(name, l->start, (size_t)(colon - l->start));
	name[colon - l->start] = '\0';
	if (!users_name_valid(name))
		return -1;
	l->name = l->start;
	l->name_len = (size_t)(colon - l->start);
	l->hash = colon + 1;
	l->hash_len = (size_t)(end - l->hash);
	if (l->hash_len == 0 || l->hash_len >= CRYPT_OUTPUT_SIZE)
		return -1;
	for (size_t i = 0; i < l->hash_len; i++)
		if ((unsigned char)l->hash[i] <= ' ' || l->hash[i] == 0x7f)
			return -1;
	return 0;
}

/* Calls fn for each line of buf; stops at the first non-zero return.
 * Returns that value, or -1 with *bad_line set on a malformed line. */
static int users_each_line(const char *buf, size_t len, unsigned *bad_line,
			   int (*fn)(const struct users_line *l, void *arg), void *arg)
{
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct users_line l = {.start = p,
				       .len = nl ? (size_t)(nl - p) : (size_t)(end - p)};
		int rc;

		lineno++;
		if (users_line_parse(&l) < 0) {
			if (bad_line)
				*bad_line = lineno;
			return -1;
		}
		rc = fn(&l, arg);
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

struct users_find {
	const char *name;
	char hash[CRYPT_OUTPUT_SIZE];
	bool found;
};

static int users_find_cb(const struct users_line *l, void *arg)
{
	struct users_find *f = arg;

	if (f->found || !l->name)
		return 0;
	if (l->name_len == strlen(f->name) && memcmp(l->name, f->name, l->name_len) == 0) {
		memcpy(f->hash, l->hash, l->hash_len);
		f->hash[l->hash_len] = '\0';
		f->found = true;
	}
	return 0;
}

/* Compares without an early exit so the time does not depend on where the
 * strings differ. */
static bool users_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	volatile unsigned char diff = (unsigned char)(la != lb);
	size_t n = la < lb ? la : lb;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static long long users_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What one hash of the default cost takes on this machine right now: a
 * moving average over the hashes of that cost done here (unknown users'
 * dummies and strong stored hashes), so that load moves it. A user whose
 * stored hash is far cheaper ($1$, $6$: microseconds to a few ms against
 * yescrypt's tens) would otherwise answer faster than a name that does not
 * exist, and so give away that it does. */
static _Atomic long long users_floor_ns;

static void users_floor_add(long long took)
{
	long long floor = atomic_load(&users_floor_ns);

	atomic_store(&users_floor_ns, floor ? (floor * 3 + took) / 4 : took);
}

/* Every check ends asleep until USERS_PAD_NUM/USERS_PAD_DEN of that time
 * has passed since t0. All of them, not only the cheap ones: on a loaded
 * machine waking up takes time of its own, and a check that slept must
 * not stand out from one that did not. */
#define USERS_PAD_NUM 5
#define USERS_PAD_DEN 4

static void users_pad(long long t0)
{
	long long want = atomic_load(&users_floor_ns) * USERS_PAD_NUM / USERS_PAD_DEN;
	long long left = want - (users_mono_ns() - t0);
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)(left / 1000000000LL);
	ts.tv_nsec = (long)(left % 1000000000LL);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One hash of the default cost for password against a fresh setting, which
 * also measures that cost. 0 or -1. */
static int users_dummy_hash(const char *password, struct crypt_data *cd)
{
	char dummy[CRYPT_GENSALT_OUTPUT_SIZE];
	long long t0 = users_mono_ns();

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, dummy, sizeof(dummy)))
		return -1;
	crypt_rn(password, dummy, cd, (int)sizeof(*cd));
	users_floor_add(users_mono_ns() - t0);
	return 0;
}

bool users_hash_weak(const char *hash)
{
	static const char *const strong[] = {"$y$", "$gy$", "$7$", "$2b$", "$2y$", "$2a$"};

	/* Locked entries hold no password to guess. */
	if (!hash[0] || hash[0] == '!' || hash[0] == '*')
		return false;
	for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++) {
		if (strncmp(hash, strong[i], strlen(strong[i])) == 0)
			return false;
	}
	/* $1$ (MD5), $5$ and $6$ (SHA-crypt at their default rounds),
	 * $md5, $sha1$, $3$ and the two-letter DES forms. */
	return true;
}

int users_check(const char *path, const char *name, const char *password)
{
	struct users_find f = {.name = name};
	struct crypt_data *cd = NULL;
	char *buf = NULL;
	size_t len = 0;
	const char *out, *pw;
	bool usable;
	long long t0;
	int ret = -1;

	if (!path || !name || !password)
		return -1;
	if (file_read_capped(path, USERS_FILE_MAX, &buf, &len) < 0)
		return -1;
	if (users_name_valid(name) && users_each_line(buf, len, NULL, users_find_cb, &f) < 0)
		goto cleanup;
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		goto cleanup;
	pw = strlen(password) <= PASSWORD_MAX ? password : "";

	/* The first check after start-up has no measure yet of the default
	 * cost; it takes one. */
	if (atomic_load(&users_floor_ns) == 0 && users_dummy_hash(pw, cd) < 0)
		goto cleanup;
	t0 = users_mono_ns();
	/* A locked ("!..." or "*...") entry, an unknown user and an over-long
	 * password all still pay for one hash of the default cost, so the
	 * reply time does not tell which names exist. */
	usable =
	    f.found && f.hash[0] != '!' && f.hash[0] != '*' && strlen(password) <= PASSWORD_MAX;
	if (!usable) {
		if (users_dummy_hash(pw, cd) < 0)
			goto cleanup;
		ret = 0;
	} else {
		out = crypt_rn(pw, f.hash, cd, (int)sizeof(*cd));
		/* crypt_rn returns NULL for a setting it does not support:
		 * that entry can never match. */
		ret = (out && users_equal_ct(out, f.hash)) ? 1 : 0;
		if (!users_hash_weak(f.hash))
			users_floor_add(users_mono_ns() - t0);
	}
	users_pad(t0);

cleanup:
	if (cd) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	explicit_bzero(f.hash, sizeof(f.hash));
	free(buf);
	return ret;
}

struct users_weak_list {
	char *out;
	size_t outlen, n;
};

static int users_weak_cb(const struct users_line *l, void *arg)
{
	struct users_weak_list *w = arg;
	char hash[CRYPT_OUTPUT_SIZE];
	size_t used;

	if (!l->name)
		return 0;
	memcpy(hash, l->hash, l->hash_len);
	hash[l->hash_len] = '\0';
	if (!users_hash_weak(hash))
		return 0;
	used = strlen(w->out);
	if (w->outlen > used)
		snprintf(w->out + used, w->outlen - used, "%s%.*s", w->n ? ", " : "",
			 (int)l->name_len, l->name);
	w->n++;
	return 0;
}

int users_weak(const char *path, char *out, size_t outlen)
{
	struct users_weak_list w = {out, outlen, 0};
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (outlen)
		out[0] = '\0';
	if (file_read_capped(path, USERS_FILE_MAX, &buf, &len) < 0)
		return -1;
	rc = users_each_line(buf, len, NULL, users_weak_cb, &w);
	free(buf);
	return rc < 0 ? -1 : (int)w.n;
}

/* Builds the new file text: every line kept except name's, which is
 * replaced by entry (or dropped when entry is NULL). */
struct users_rewrite {
	const char *name;
	const char *entry; /* "name:hash", or NULL to remove */
	char *out;
	size_t len, cap;
	bool replaced;
};

static int users_append(struct users_rewrite *rw, const char *s, size_t n)
{
	if (rw->len + n + 1 > rw->cap) {
		size_t cap = rw->cap ? rw->cap : 4096;
		char *p;

		while (rw->len + n + 1 > cap)
			cap *= 2;
		p = realloc(rw->out, cap);
		if (!p)
			return -1;
		rw->out = p;
		rw->cap = cap;
	}
	memcpy(rw->out + rw->len, s, n);
	rw->len += n;
	rw->out[rw->len] = '\0';
	return 0;
}

static int users_rewrite_cb(const struct users_line *l, void *arg)
{
	struct users_rewrite *rw = arg;

	if (l->name && l->name_len == strlen(rw->name) &&
	    memcmp(l->name, rw->name, l->name_len) == 0) {
		/* Only the first entry counts for users_check; drop any
		 * duplicates so the file says one thing. */
		if (!rw->replaced && rw->entry) {
			if (users_append(rw, rw->entry, strlen(rw->entry)) < 0 ||
			    users_append(rw, "\n", 1) < 0)
				return -2;
		}
		rw->replaced = true;
		return 0;
	}
	if (users_append(rw, l->start, l->len) < 0 || users_append(rw, "\n", 1) < 0)
		return -2;
	return 0;
}

int users_set(const char *path, const char *name, const char *password, char *err, size_t errlen)
{
	struct users_rewrite rw = {.name = name};
	struct crypt_data *cd = NULL;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char entry[USERNAME_MAX + 1 + CRYPT_OUTPUT_SIZE + 1];
	char *buf = NULL;
	size_t len = 0;
	unsigned bad_line = 0;
	int lock = -1, rc, saved_errno = 0, ret = -1;

	if (!path || !users_name_valid(name)) {
		users_errf(err, errlen,
			   "invalid user name (1..%d of A-Z a-z 0-9 . _ @ -, not starting "
			   "with - or .)",
			   USERNAME_MAX);
		saved_errno = EINVAL;
		goto cleanup;
	}
	if (password) {
		size_t plen = strlen(password);

		if (plen == 0 || plen > PASSWORD_MAX) {
			users_errf(err, errlen, "the password must be 1 to %d bytes long",
				   PASSWORD_MAX);
			saved_errno = EINVAL;
			goto cleanup;
		}
		cd = calloc(1, sizeof(*cd));
		if (!cd || !crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) ||
		    !crypt_rn(password, salt, cd, (int)sizeof(*cd))) {
			users_errf(err, errlen, "cannot hash the password: %s", strerror(errno));
			saved_errno = EIO;
			goto cleanup;
		}
		snprintf(entry, sizeof(entry), "%s:%s", name, cd->output);
		rw.entry = entry;
	}

	lock = file_lock(path, USERS_LOCK_TIMEOUT_MS);
	if (lock < 0) {
		saved_errno = errno == ETIMEDOUT ? ETIMEDOUT : EIO;
		users_errf(err, errlen, "%s: cannot lock: %s", path,
			   errno == ETIMEDOUT ? "another edit is still running" : strerror(errno));
		goto cleanup;
	}
	file_remove_stale_temps(path);
	if (file_read_capped(path, USERS_FILE_MAX, &buf, &len) < 0) {
		if (errno != ENOENT) {
			saved_errno = EIO;
			users_errf(err, errlen, "%s: %s", path, file_strerror(errno));
			goto cleanup;
		}
		len = 0;
	}
	/* Start with an empty, valid buffer so an empty file works too. */
	if (users_append(&rw, "", 0) < 0)
		goto oom;
	rc = users_each_line(buf ? buf : "", len, &bad_line, users_rewrite_cb, &rw);
	if (rc == -2)
		goto oom;
	if (rc < 0) {
		saved_errno = EINVAL;
		users_errf(err, errlen, "%s:%u: malformed line (expected name:hash); not changed",
			   path, bad_line);
		goto cleanup;
	}
	if (!rw.replaced) {
		if (!password) {
			saved_errno = ENOENT;
			users_errf(err, errlen, "%s: no user '%s'", path, name);
			goto cleanup;
		}
		if (users_append(&rw, entry, strlen(entry)) < 0 || users_append(&rw, "\n", 1) < 0)
			goto oom;
	}
	/* An existing file keeps its mode (0640 root:vdi-broker lets the
	 * broker read it); a new one starts private. No .prev copy: it would
	 * keep old password hashes around. */
	struct stat st;
	unsigned mode = stat(path, &st) == 0 ? (st.st_mode & 0660) : 0600;
	if (file_replace_atomic(path, rw.out, rw.len, mode, 0) < 0) {
		saved_errno = EIO;
		users_errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		goto cleanup;
	}
	ret = 0;
	goto cleanup;

oom:
	saved_errno = ENOMEM;
	users_errf(err, errlen, "out of memory");
cleanup:
	if (lock >= 0)
		file_unlock(lock);
	if (cd) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	explicit_bzero(entry, sizeof(entry));
	if (rw.out) {
		explicit_bzero(rw.out, rw.cap);
		free(rw.out);
	}
	free(buf);
	/* errno tells callers what went wrong: ETIMEDOUT lock time-out,
	 * ENOENT no such user (removal), EINVAL bad name, password or file
	 * content, EIO anything else with the file. */
	if (ret < 0)
		errno = saved_errno ? saved_errno : EIO;
	return ret;
}
