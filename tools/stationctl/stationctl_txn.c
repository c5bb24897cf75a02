/* The edit transaction; see stationctl_txn.h for the steps and why. */
#include "stationctl_txn.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "stationctl_util.h"

#define STATIONCTL_TXN_NEW_MODE 0644

/* The file the edit works on. A stations file that is a symlink (into a git
 * checkout, say) stays one: the lock, the temp file, FILE.prev and the
 * rename all happen next to its target. */
static void stationctl_txn_resolve(const char *path, char *real, size_t reallen)
{
	char buf[PATH_MAX];

	if (realpath(path, buf) && strlen(buf) < reallen)
		snprintf(real, reallen, "%s", buf);
	else
		snprintf(real, reallen, "%s", path); /* a new file, or unresolvable */
}

/* Takes the lock; prints the reason and returns an exit code on failure. */
static int stationctl_txn_lock(const struct stationctl_ctx *ctx, const char *real, int *fd)
{
	*fd = file_lock(real, ctx->lock_timeout_ms);
	if (*fd >= 0)
		return STATIONCTL_EXIT_OK;
	if (errno == ETIMEDOUT) {
		stationctl_util_err("%s is being edited by another process (lock %s.lock held "
				    "for more than %d s); try again",
				    ctx->stations_file, real, (ctx->lock_timeout_ms + 999) / 1000);
		return STATIONCTL_EXIT_LOCK;
	}
	stationctl_util_err("%s.lock: cannot lock: %s", real, strerror(errno));
	return STATIONCTL_EXIT_IO;
}

/* Reads a file that may be missing (then empty, *exists false). */
static int stationctl_txn_read(const char *path, char **text, size_t *len, unsigned *mode,
			       bool *exists)
{
	struct stat st;

	*exists = true;
	*mode = STATIONCTL_TXN_NEW_MODE;
	if (file_read_capped(path, ST_FILE_MAX, text, len) < 0) {
		if (errno != ENOENT) {
			stationctl_util_err("%s: cannot read: %s", path,
					    errno == EFBIG ? "file too large"
							   : file_strerror(errno));
			return STATIONCTL_EXIT_IO;
		}
		*exists = false;
		*len = 0;
		*text = strdup("");
		if (!*text) {
			stationctl_util_err("out of memory");
			return STATIONCTL_EXIT_IO;
		}
		return STATIONCTL_EXIT_OK;
	}
	/* Keep the admin's permissions (and so the broker's access) as they
	 * are; a new file gets 0644. */
	if (stat(path, &st) == 0)
		*mode = st.st_mode & 07777;
	return STATIONCTL_EXIT_OK;
}

/* Parses and builds text the way the broker will; prints the diagnostics
 * (named after path, whose directory is the base for ca files) and returns
 * STATIONCTL_EXIT_INVALID when it would not load. */
static int stationctl_txn_validate(const char *path, const char *text, size_t len)
{
	/* One list for both steps: the build counts the parser's syntax
	 * errors but does not repeat them. */
	struct st_diags d = {0};
	struct st_doc *doc;
	struct st_config *cfg = NULL;
	char base[4096];
	int ret = STATIONCTL_EXIT_INVALID;

	stationctl_util_dirname(path, base, sizeof(base));
	doc = st_doc_parse(text, len, path, &d);
	if (!doc) {
		stationctl_util_err("out of memory");
		goto cleanup;
	}
	cfg = st_config_build(doc, base, &d);
	if (!cfg) {
		stationctl_util_print_diags(&d);
		goto cleanup;
	}
	ret = STATIONCTL_EXIT_OK;
cleanup:
	st_config_free(cfg);
	st_doc_free(doc);
	st_diags_free(&d);
	return ret;
}

static int stationctl_txn_write(const char *path, const char *text, size_t len, unsigned mode)
{
	if (file_replace_atomic(path, text, len, mode, 1) < 0) {
		stationctl_util_err("%s: cannot write: %s (file unchanged)", path, strerror(errno));
		return STATIONCTL_EXIT_IO;
	}
	return STATIONCTL_EXIT_OK;
}

int stationctl_txn_edit(const struct stationctl_ctx *ctx, stationctl_txn_fn fn, void *arg,
			unsigned flags, bool *changed)
{
	const char *path = ctx->stations_file;
	char real[PATH_MAX];
	struct st_diags d = {0};
	struct st_doc *doc = NULL;
	char *old = NULL, *text = NULL;
	size_t old_len = 0, len = 0;
	unsigned mode;
	bool exists;
	int lock = -1, ret;

	if (changed)
		*changed = false;
	stationctl_txn_resolve(path, real, sizeof(real));
	ret = stationctl_txn_lock(ctx, real, &lock);
	if (ret)
		goto cleanup;
	file_remove_stale_temps(real);
	ret = stationctl_txn_read(real, &old, &old_len, &mode, &exists);
	if (ret)
		goto cleanup;
	/* Syntax errors are kept in the document; they make the result
	 * invalid below unless this edit fixes them. */
	doc = st_doc_parse(old, old_len, path, &d);
	if (!doc) {
		stationctl_util_err("out of memory");
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	ret = fn(doc, arg);
	if (ret)
		goto cleanup;
	text = st_doc_serialize(doc, &len);
	if (!text) {
		stationctl_util_err("out of memory");
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	/* Nothing to write: keep the file, its .prev and the broker alone. */
	if (exists && len == old_len && memcmp(text, old, len) == 0)
		goto cleanup;
	ret = stationctl_txn_validate(path, text, len);
	if (ret) {
		stationctl_util_err("the result would not be valid (line numbers above are those "
				    "of the edited text); %s not changed",
				    path);
		goto cleanup;
	}
	if (changed)
		*changed = true;
	if (flags & STATIONCTL_TXN_DRY_RUN)
		goto cleanup;
	ret = stationctl_txn_write(real, text, len, mode);
cleanup:
	if (lock >= 0)
		file_unlock(lock);
	st_doc_free(doc);
	st_diags_free(&d);
	free(old);
	free(text);
	return ret;
}

int stationctl_txn_revert(const struct stationctl_ctx *ctx, bool *changed)
{
	const char *path = ctx->stations_file;
	char real[PATH_MAX], prev_path[PATH_MAX + 8];
	char *prev = NULL, *cur = NULL;
	size_t prev_len = 0, cur_len = 0;
	unsigned mode;
	bool exists;
	int lock = -1, ret;

	*changed = false;
	stationctl_txn_resolve(path, real, sizeof(real));
	snprintf(prev_path, sizeof(prev_path), "%s.prev", real);
	ret = stationctl_txn_lock(ctx, real, &lock);
	if (ret)
		goto cleanup;
	file_remove_stale_temps(real);
	if (file_read_capped(prev_path, ST_FILE_MAX, &prev, &prev_len) < 0) {
		if (errno == ENOENT) {
			stationctl_util_err("%s: no previous version to revert to", prev_path);
			ret = STATIONCTL_EXIT_NOTFOUND;
		} else {
			stationctl_util_err("%s: cannot read: %s", prev_path, file_strerror(errno));
			ret = STATIONCTL_EXIT_IO;
		}
		goto cleanup;
	}
	ret = stationctl_txn_read(real, &cur, &cur_len, &mode, &exists);
	if (ret)
		goto cleanup;
	if (exists && cur_len == prev_len && memcmp(cur, prev, cur_len) == 0)
		goto cleanup;
	/* The rule holds for revert too: an invalid .prev (say, a broken
	 * hand edit that a later edit fixed) does not replace a good file. */
	ret = stationctl_txn_validate(prev_path, prev, prev_len);
	if (ret) {
		stationctl_util_err("%s is not valid; %s not changed", prev_path, path);
		goto cleanup;
	}
	ret = stationctl_txn_write(real, prev, prev_len, mode);
	if (ret == STATIONCTL_EXIT_OK)
		*changed = true;
cleanup:
	if (lock >= 0)
		file_unlock(lock);
	free(prev);
	free(cur);
	return ret;
}
