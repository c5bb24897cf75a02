/* The stations file as lines: parsing with diagnostics, and edits that touch
 * only the lines they must, so comments and layout survive stationctl. */
#include "stations_internal.h"
#include "stations_keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

static char *st_doc_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int st_doc_grow(struct st_doc *doc, size_t extra)
{
	if (doc->n + extra <= doc->cap)
		return 0;
	size_t ncap = doc->cap ? doc->cap : 64;
	while (ncap < doc->n + extra)
		ncap *= 2;
	struct st_line *nl = realloc(doc->lines, ncap * sizeof(*nl));
	if (!nl)
		return -1;
	doc->lines = nl;
	doc->cap = ncap;
	return 0;
}

static void st_line_value_clear(struct st_line *l)
{
	if (l->value_own)
		free((char *)l->value);
	l->value = NULL;
	l->value_own = false;
}

static void st_line_clear(struct st_line *l)
{
	st_line_value_clear(l);
	if (l->text_own)
		free(l->text);
	l->text = NULL;
	l->text_own = false;
}

/* Replaces a line's text with text (malloc'd, now the line's). */
static void st_line_set_text(struct st_line *l, char *text)
{
	st_line_value_clear(l);
	if (l->text_own)
		free(l->text);
	l->text = text;
	l->text_own = true;
}

/* Classifies one line; d gets its errors (line numbers are 1-based). Returns
 * -1 only when out of memory. */
static int st_doc_classify(struct st_doc *doc, size_t idx, struct st_diags *d)
{
	struct st_line *l = &doc->lines[idx];
	unsigned lineno = (unsigned)idx + 1;
	char err[256];
	char *copy = strdup(l->text);
	if (!copy)
		return -1;
	char *s = st_doc_trim(copy);
	l->kind = ST_L_BAD;
	l->bad = false;
	l->key = -1;
	st_line_value_clear(l);

	if (*s == '\0') {
		l->kind = ST_L_BLANK;
	} else if (*s == '#' || *s == ';') {
		l->kind = ST_L_COMMENT;
	} else if (*s == '[') {
		char *close = strchr(s, ']');
		char *rest = close ? st_doc_trim(close + 1) : NULL;
		if (!close || (*rest && *rest != '#' && *rest != ';')) {
			st_diag_add(d, lineno, "section header must be [MATCH] alone on its line");
			l->bad = true;
		} else {
			*close = '\0';
			struct st_target t;
			if (st_target_parse(st_doc_trim(s + 1), &t, err, sizeof(err)) < 0) {
				st_diag_add(d, lineno, "%s", err);
				l->bad = true;
			}
			l->kind = ST_L_SECTION;
		}
		if (l->kind != ST_L_SECTION)
			l->kind = ST_L_SECTION; /* still a section start, but invalid */
	} else {
		char *eq = strchr(s, '=');
		if (!eq) {
			st_diag_add(d, lineno, "expected 'key = value', '[MATCH]' or a comment");
			l->bad = true;
		} else {
			*eq = '\0';
			char *key = st_doc_trim(s);
			char *raw = st_doc_trim(eq + 1);
			l->kind = ST_L_KV;
			l->key = st_key_lookup(key);
			if (l->key < 0) {
				st_diag_add(d, lineno, "unknown key '%.60s'", key);
				l->bad = true;
			}
			/* copy has the offsets of text: an unquoted value that
			 * ends the line is text's tail, and needs no copy. */
			size_t off = (size_t)(raw - copy);
			if (raw[0] != '"' && off + strlen(raw) == strlen(l->text)) {
				l->value = l->text + off;
			} else {
				l->value = st_value_decode(raw, err, sizeof(err));
				l->value_own = l->value != NULL;
			}
			if (!l->value) {
				st_diag_add(d, lineno, "%s", err);
				l->bad = true;
			} else if (l->key >= 0 &&
				   st_value_check(l->key, l->value, err, sizeof(err)) < 0) {
				st_diag_add(d, lineno, "%s", err);
				l->bad = true;
			}
		}
	}
	free(copy);
	return 0;
}

static void st_doc_secs_clear(struct st_doc *doc)
{
	for (size_t i = 0; i < doc->nsec; i++)
		free((char *)doc->secs[i].t.text);
	doc->nsec = 0;
}

/* Rebuilds the section table and every line's section after lines moved. */
static int st_doc_reindex(struct st_doc *doc, struct st_diags *d, bool count)
{
	st_doc_secs_clear(doc);
	long cur = -1;
	for (size_t i = 0; i < doc->n; i++) {
		struct st_line *l = &doc->lines[i];
		if (l->kind == ST_L_SECTION) {
			if (doc->nsec == doc->seccap) {
				size_t ncap = doc->seccap ? doc->seccap * 2 : 32;
				struct st_section *ns = realloc(doc->secs, ncap * sizeof(*ns));
				if (!ns)
					return -1;
				doc->secs = ns;
				doc->seccap = ncap;
			}
			struct st_section *sec = &doc->secs[doc->nsec];
			struct st_target t;
			char err[256];
			char *copy = strdup(l->text);
			if (!copy)
				return -1;
			char *s = st_doc_trim(copy);
			char *close = strchr(s, ']');
			if (close)
				*close = '\0';
			sec->valid =
			    close && st_target_parse(st_doc_trim(s + 1), &t, err, sizeof(err)) == 0;
			free(copy);
			/* Only the canonical text's own length is kept: a
			 * section table of a million headers stays small. */
			st_match_from(&sec->t, &t, NULL);
			if (sec->valid && !(sec->t.text = strdup(t.text)))
				return -1;
			sec->line = i;
			cur = (long)doc->nsec++;
		} else if (l->kind == ST_L_KV && cur < 0 && count) {
			st_diag_add(d, (unsigned)i + 1, "'key = value' before the first [MATCH]");
		}
		l->section = cur;
	}
	return 0;
}

/* Parses buf (len bytes and a NUL after them), which the document takes
 * over: its lines are terminated in place and point into it. */
static struct st_doc *st_doc_parse_buf(char *buf, size_t len, const char *filename,
				       struct st_diags *d)
{
	struct st_doc *doc = calloc(1, sizeof(*doc));
	size_t lines = 0;
	if (!doc) {
		free(buf);
		return NULL;
	}
	doc->buf = buf;
	snprintf(doc->filename, sizeof(doc->filename), "%s", filename ? filename : "-");
	if (d)
		snprintf(d->file, sizeof(d->file), "%s", doc->filename);

	/* The line table at its final size: doubling it as it fills would
	 * leave up to half of it unused. */
	for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + len - q))); q++)
		lines++;
	if (len && buf[len - 1] != '\n')
		lines++;
	if (lines) {
		doc->lines = malloc(lines * sizeof(*doc->lines));
		if (!doc->lines)
			goto oom;
		doc->cap = lines;
	}

	char *p = buf, *end = buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (st_doc_grow(doc, 1) < 0)
			goto oom;
		struct st_line *l = &doc->lines[doc->n];
		memset(l, 0, sizeof(*l));
		unsigned lineno = (unsigned)doc->n + 1;
		/* A '\r' before the newline (a file edited on Windows) stays in
		 * the text, so the file is written back as it was; the
		 * classifier trims it like any blank. */
		if (memchr(p, '\0', llen)) {
			st_diag_add(d, lineno, "line contains a NUL byte");
			l->bad_raw = true;
			*p = '\0';
		} else if (llen > ST_LINE_MAX) {
			st_diag_add(d, lineno, "line is longer than %u bytes", ST_LINE_MAX);
			l->bad_raw = true;
			*p = '\0';
		}
		if (nl)
			*nl = '\0';
		l->text = p;
		doc->n++;
		if (st_doc_classify(doc, doc->n - 1, d) < 0)
			goto oom;
		p = nl ? nl + 1 : end;
	}
	if (st_doc_reindex(doc, d, true) < 0)
		goto oom;
	return doc;
oom:
	st_doc_free(doc);
	return NULL;
}

struct st_doc *st_doc_parse(const char *text, size_t len, const char *filename, struct st_diags *d)
{
	char *buf = malloc(len + 1);
	if (!buf)
		return NULL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return st_doc_parse_buf(buf, len, filename, d);
}

int st_doc_load(const char *path, bool missing_ok, struct st_doc **out, struct st_diags *d)
{
	char *text = NULL;
	size_t len = 0;
	if (d)
		snprintf(d->file, sizeof(d->file), "%s", path);
	if (file_read_capped(path, ST_FILE_MAX, &text, &len) < 0) {
		if (errno == ENOENT && missing_ok) {
			*out = st_doc_parse("", 0, path, d);
			return *out ? 0 : -1;
		}
		if (errno == EFBIG)
			st_diag_add(d, 0, "file is larger than %u bytes", ST_FILE_MAX);
		else
			st_diag_add(d, 0, "cannot read: %s", file_strerror(errno));
		return -1;
	}
	/* The text read becomes the document's buffer: no second copy of a
	 * large file. */
	*out = st_doc_parse_buf(text, len, path, d);
	if (!*out) {
		st_diag_add(d, 0, "out of memory");
		return -1;
	}
	return 0;
}

void st_doc_free(struct st_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n; i++)
		st_line_clear(&doc->lines[i]);
	st_doc_secs_clear(doc);
	free(doc->lines);
	free(doc->secs);
	free(doc->buf);
	free(doc);
}

char *st_doc_serialize(const struct st_doc *doc, size_t *len)
{
	size_t total = 1;
	for (size_t i = 0; i < doc->n; i++)
		total += strlen(doc->lines[i].text) + 1;
	char *out = malloc(total);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < doc->n; i++) {
		size_t l = strlen(doc->lines[i].text);
		memcpy(out + o, doc->lines[i].text, l);
		o += l;
		out[o++] = '\n';
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

size_t st_doc_error_count(const struct st_doc *doc)
{
	size_t n = 0;
	for (size_t i = 0; i < doc->n; i++) {
		const struct st_line *l = &doc->lines[i];
		n += l->bad || l->bad_raw || (l->kind == ST_L_KV && l->section < 0);
	}
	return n;
}

static long st_doc_find(const struct st_doc *doc, const struct st_target *t)
{
	for (size_t i = 0; i < doc->nsec; i++)
		if (doc->secs[i].valid && strcmp(doc->secs[i].t.text, t->text) == 0)
			return (long)i;
	return -1;
}

bool st_doc_has(const struct st_doc *doc, const struct st_target *t)
{
	return st_doc_find(doc, t) >= 0;
}

/* One parsed "key=value" argument. */
struct st_kv {
	int key;
	char *value; /* points into the caller's string */
};

static int st_doc_parse_kvs(char *const *kvs, size_t n, const struct st_target *t,
			    struct st_kv *out, bool allow_empty, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(kvs[i], '=');
		if (!eq || eq == kvs[i]) {
			snprintf(err, errlen, "'%.80s' is not key=value", kvs[i]);
			return -1;
		}
		char key[32];
		size_t klen = (size_t)(eq - kvs[i]);
		if (klen >= sizeof(key)) {
			snprintf(err, errlen, "unknown key '%.*s'", (int)(klen > 60 ? 60 : klen),
				 kvs[i]);
			return -1;
		}
		memcpy(key, kvs[i], klen);
		key[klen] = '\0';
		out[i].key = st_key_lookup(key);
		out[i].value = eq + 1;
		if (out[i].key < 0) {
			snprintf(err, errlen, "unknown key '%s'", key);
			return -1;
		}
		if (st_key_allowed(t->kind, out[i].key, err, errlen) < 0)
			return -1;
		if (!*out[i].value) {
			if (!allow_empty) {
				snprintf(err, errlen, "%s: empty value", key);
				return -1;
			}
			continue;
		}
		if (st_value_check(out[i].key, out[i].value, err, errlen) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (out[j].key == out[i].key &&
			    st_keydef(out[i].key)->inherit != ST_INHERIT_LIST) {
				snprintf(err, errlen, "key '%s' given twice", key);
				return -1;
			}
		}
	}
	return 0;
}

static char *st_doc_kv_text(int key, const char *value)
{
	char *enc = st_value_encode(value);
	if (!enc)
		return NULL;
	size_t n = strlen(st_key_name(key)) + strlen(enc) + 4;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s = %s", st_key_name(key), enc);
	free(enc);
	return s;
}

/* Inserts a line of text at index at (classified, but not reindexed). */
static int st_doc_insert(struct st_doc *doc, size_t at, char *text)
{
	if (!text || st_doc_grow(doc, 1) < 0) {
		free(text);
		return -1;
	}
	memmove(&doc->lines[at + 1], &doc->lines[at], (doc->n - at) * sizeof(*doc->lines));
	memset(&doc->lines[at], 0, sizeof(*doc->lines));
	doc->lines[at].text = text;
	doc->lines[at].text_own = true;
	doc->n++;
	return st_doc_classify(doc, at, NULL);
}

static void st_doc_remove(struct st_doc *doc, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		st_line_clear(&doc->lines[i]);
	memmove(&doc->lines[from], &doc->lines[to], (doc->n - to) * sizeof(*doc->lines));
	doc->n -= to - from;
}

/* Index one past the last key line of section s (or its header). */
static size_t st_doc_section_tail(const struct st_doc *doc, size_t s)
{
	size_t end = s + 1 < doc->nsec ? doc->secs[s + 1].line : doc->n;
	size_t tail = doc->secs[s].line + 1;
	for (size_t i = doc->secs[s].line + 1; i < end; i++)
		if (doc->lines[i].kind == ST_L_KV || doc->lines[i].kind == ST_L_BAD)
			tail = i + 1;
	return tail;
}

/* Edits work on a copy of the lines' texts: if any step fails, the original
 * document is restored from it so a failed edit changes nothing. */
static char *st_doc_snapshot(const struct st_doc *doc, size_t *len)
{
	return st_doc_serialize(doc, len);
}

static int st_doc_restore(struct st_doc *doc, const char *snap, size_t len)
{
	char name[sizeof(doc->filename)];
	snprintf(name, sizeof(name), "%s", doc->filename);
	struct st_doc *fresh = st_doc_parse(snap, len, name, NULL);
	if (!fresh)
		return -1;
	for (size_t i = 0; i < doc->n; i++)
		st_line_clear(&doc->lines[i]);
	st_doc_secs_clear(doc);
	free(doc->lines);
	free(doc->secs);
	free(doc->buf);
	*doc = *fresh;
	free(fresh);
	return 0;
}

int st_doc_add(struct st_doc *doc, const struct st_target *t, char *const *kvs, size_t n, char *err,
	       size_t errlen)
{
	int ret = -1;
	struct st_kv *parsed = calloc(n ? n : 1, sizeof(*parsed));
	char *snap = NULL;
	size_t snaplen = 0;
	if (!parsed)
		goto oom;
	long s = st_doc_find(doc, t);
	if (s >= 0) {
		snprintf(err, errlen, "[%s] already exists (line %zu); use 'set' to change it",
			 t->text, doc->secs[s].line + 1);
		goto cleanup;
	}
	if (st_doc_parse_kvs(kvs, n, t, parsed, false, err, errlen) < 0)
		goto cleanup;
	snap = st_doc_snapshot(doc, &snaplen);
	if (!snap)
		goto oom;

	size_t at = doc->n;
	if (at > 0 && doc->lines[at - 1].kind != ST_L_BLANK) {
		if (st_doc_insert(doc, at++, strdup("")) < 0)
			goto fail;
	}
	size_t hl = strlen(t->text) + 3;
	char *header = malloc(hl);
	if (header)
		snprintf(header, hl, "[%s]", t->text);
	if (st_doc_insert(doc, at++, header) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (st_doc_insert(doc, at++, st_doc_kv_text(parsed[i].key, parsed[i].value)) < 0)
			goto fail;
	if (st_doc_reindex(doc, NULL, false) < 0)
		goto fail;
	ret = 0;
	goto cleanup;
fail:
	st_doc_restore(doc, snap, snaplen);
oom:
	snprintf(err, errlen, "out of memory");
cleanup:
	free(parsed);
	free(snap);
	return ret;
}

int st_doc_set(struct st_doc *doc, const struct st_target *t, char *const *kvs, size_t n, char *err,
	       size_t errlen)
{
	int ret = -1;
	struct st_kv *parsed = calloc(n ? n : 1, sizeof(*parsed));
	char *snap = NULL;
	size_t snaplen = 0;
	if (!parsed)
		goto oom;
	long s = st_doc_find(doc, t);
	if (s < 0) {
		snprintf(err, errlen, "no section [%s]; use 'add' to create it", t->text);
		goto cleanup;
	}
	if (n == 0) {
		snprintf(err, errlen, "nothing to set: give key=value arguments");
		goto cleanup;
	}
	if (st_doc_parse_kvs(kvs, n, t, parsed, true, err, errlen) < 0)
		goto cleanup;
	snap = st_doc_snapshot(doc, &snaplen);
	if (!snap)
		goto oom;

	/* A list key's values given together replace all its lines. */
	uint64_t lists_cleared = 0;
	for (size_t i = 0; i < n; i++) {
		int key = parsed[i].key;
		const char *val = parsed[i].value;
		size_t start = doc->secs[s].line + 1;
		size_t end = (size_t)s + 1 < doc->nsec ? doc->secs[s + 1].line : doc->n;
		bool replaced = false;
		bool list = st_keydef(key)->inherit == ST_INHERIT_LIST;

		if (list && !(lists_cleared & ((uint64_t)1 << key))) {
			for (size_t j = end; j-- > start;)
				if (doc->lines[j].kind == ST_L_KV && doc->lines[j].key == key)
					st_doc_remove(doc, j, j + 1);
			lists_cleared |= (uint64_t)1 << key;
			if (st_doc_reindex(doc, NULL, false) < 0)
				goto fail;
			end = (size_t)s + 1 < doc->nsec ? doc->secs[s + 1].line : doc->n;
		}
		if (!list) {
			for (size_t j = end; j-- > start;) {
				struct st_line *l = &doc->lines[j];
				if (l->kind != ST_L_KV || l->key != key)
					continue;
				if (!*val || replaced) {
					st_doc_remove(doc, j, j + 1);
					continue;
				}
				char *text = st_doc_kv_text(key, val);
				if (!text)
					goto fail;
				st_line_set_text(l, text);
				if (st_doc_classify(doc, j, NULL) < 0)
					goto fail;
				replaced = true;
			}
		}
		if (st_doc_reindex(doc, NULL, false) < 0)
			goto fail;
		if (!replaced && *val) {
			size_t at = st_doc_section_tail(doc, (size_t)s);
			if (st_doc_insert(doc, at, st_doc_kv_text(key, val)) < 0)
				goto fail;
			if (st_doc_reindex(doc, NULL, false) < 0)
				goto fail;
		}
	}
	if (st_doc_reindex(doc, NULL, false) < 0)
		goto fail;
	ret = 0;
	goto cleanup;
fail:
	st_doc_restore(doc, snap, snaplen);
oom:
	snprintf(err, errlen, "out of memory");
cleanup:
	free(parsed);
	free(snap);
	return ret;
}

int st_doc_del(struct st_doc *doc, const struct st_target *t, char *err, size_t errlen)
{
	long s = st_doc_find(doc, t);
	if (s < 0) {
		snprintf(err, errlen, "no section [%s]", t->text);
		return -1;
	}
	size_t from = doc->secs[s].line;
	size_t to = (size_t)s + 1 < doc->nsec ? doc->secs[s + 1].line : doc->n;
	/* Comments directly above a header describe that header: take this
	 * section's along, and leave the next section's in place. */
	while (from > 0 && doc->lines[from - 1].kind == ST_L_COMMENT &&
	       (s == 0 || from - 1 > doc->secs[s - 1].line))
		from--;
	if ((size_t)s + 1 < doc->nsec)
		while (to > doc->secs[s].line + 1 && doc->lines[to - 1].kind == ST_L_COMMENT)
			to--;
	/* Don't leave two blank lines where the section was. */
	while (to < doc->n && doc->lines[to].kind == ST_L_BLANK &&
	       (from == 0 || doc->lines[from - 1].kind == ST_L_BLANK))
		to++;
	st_doc_remove(doc, from, to);
	if (st_doc_reindex(doc, NULL, false) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
