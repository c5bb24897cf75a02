/* Connection files for lookups: see broker_fetch.h. */
#include "broker_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_time.h"
#include "fileio.h"
#include "log.h"
#include "vv_file.h"

/* One fetch of a URL in flight, shared by every station asking for it
 * meanwhile: the first one fetches, the others wait for its result. */
struct fetch_flight {
	struct fetch_flight *next;
	char *key;
	unsigned waiters;
	bool done;
	char *text; /* a copy for the waiters; NULL with err on failure */
	size_t len;
	char err[400];
	pthread_cond_t cv;
};

/* A URL that failed lately: asked again within BROKER_FETCH_FAIL_MEMORY_MS,
 * the same failure is answered without fetching, so that a dead server is
 * not hammered by every station that retries. */
struct fetch_failure {
	char *key;
	long long until_ms;
	char err[400];
};

#define FETCH_FAILURES_MAX 64

static pthread_mutex_t fetch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fetch_flight *fetch_flights;
static struct fetch_failure fetch_failures[FETCH_FAILURES_MAX];

struct fetch_buf {
	char *data;
	size_t len;
	bool too_big;
};

int broker_fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void broker_fetch_cleanup(void)
{
	for (size_t i = 0; i < FETCH_FAILURES_MAX; i++) {
		free(fetch_failures[i].key);
		fetch_failures[i].key = NULL;
	}
	curl_global_cleanup();
}

static void fetch_wipe(char *s, size_t len)
{
	if (s) {
		explicit_bzero(s, len);
		free(s);
	}
}

static size_t fetch_write(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct fetch_buf *b = user;
	size_t n = size * nmemb;
	char *bigger;

	if (n > VV_FILE_MAX || b->len + n > VV_FILE_MAX) {
		b->too_big = true;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	bigger = malloc(b->len + n + 1);
	if (!bigger)
		return 0;
	if (b->data)
		memcpy(bigger, b->data, b->len);
	memcpy(bigger + b->len, ptr, n);
	fetch_wipe(b->data, b->len);
	b->data = bigger;
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* IsardVDI's viewer API (GET /api/v4/item/desktop/ID/get-viewer/file-spice)
 * answers the connection file wrapped in JSON: {"kind": "file", "ext": "vv",
 * "mime": "application/x-virt-viewer", "content": "[virt-viewer]\n..."}.
 * Such an answer is replaced by its content; any other answer is left as it
 * is, for vv_file_parse to judge. json-c keeps its own copy of the content
 * (the password): it is wiped before the object is freed. */
static char *fetch_unwrap_viewer_json(char *text, size_t *len)
{
	struct json_object *root = NULL, *v;
	const char *kind, *ext, *mime, *content;
	char *out = NULL;
	size_t i = 0, n;

	while (i < *len &&
	       (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (i == *len || text[i] != '{')
		return text;
	root = json_tokener_parse(text);
	if (!root || !json_object_is_type(root, json_type_object))
		goto cleanup;
	kind = json_object_object_get_ex(root, "kind", &v) ? json_object_get_string(v) : NULL;
	ext = json_object_object_get_ex(root, "ext", &v) ? json_object_get_string(v) : NULL;
	mime = json_object_object_get_ex(root, "mime", &v) ? json_object_get_string(v) : NULL;
	if (!json_object_object_get_ex(root, "content", &v) ||
	    !json_object_is_type(v, json_type_string) || !kind || strcmp(kind, "file") != 0 ||
	    !((ext && strcmp(ext, "vv") == 0) ||
	      (mime && strncmp(mime, "application/x-virt-viewer", 25) == 0)))
		goto cleanup;
	content = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	out = malloc(n + 1);
	if (out) {
		memcpy(out, content, n);
		out[n] = '\0';
	}
	explicit_bzero((char *)content, n);
cleanup:
	json_object_put(root);
	if (!out)
		return text;
	fetch_wipe(text, *len);
	*len = strlen(out);
	return out;
}

/* The URL without its query and fragment: enough to tell which mapping
 * failed, without tokens a query string may carry. */
static void fetch_url_for_log(const char *url, char *out, size_t outlen)
{
	size_t n = strcspn(url, "?#");

	snprintf(out, outlen, "%.*s", (int)(n > 200 ? 200 : n), url);
}

/* "Authorization: VALUE" from the first line of path. */
static struct curl_slist *fetch_auth_header(const char *path, struct curl_slist *h, char *err,
					    size_t errlen)
{
	char *text = NULL, *line = NULL;
	size_t len = 0, n;
	struct curl_slist *out = NULL;
	bool ok = true;

	if (file_read_capped(path, BROKER_FETCH_AUTH_MAX, &text, &len) < 0) {
		snprintf(err, errlen, "connection_auth: cannot read %.200s: %s", path,
			 errno == EFBIG ? "larger than 4 KiB" : file_strerror(errno));
		return NULL;
	}
	n = strcspn(text, "\r\n");
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] == 0x7f)
			ok = false;
	if (n == 0 || !ok) {
		snprintf(err, errlen, "connection_auth: %.200s: %s", path,
			 n == 0 ? "the first line is empty" : "control characters in the value");
		goto cleanup;
	}
	line = malloc(n + sizeof("Authorization: "));
	if (!line) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	snprintf(line, n + sizeof("Authorization: "), "Authorization: %.*s", (int)n, text);
	out = curl_slist_append(h, line);
	if (!out)
		snprintf(err, errlen, "out of memory");
cleanup:
	fetch_wipe(line, line ? strlen(line) : 0);
	fetch_wipe(text, len);
	return out;
}

static char *fetch_url(const struct st_entry *e, size_t *len, char *err, size_t errlen)
{
	struct fetch_buf b = {0};
	struct curl_slist *headers = NULL, *h;
	struct curl_blob ca;
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	char cerr[CURL_ERROR_SIZE] = "";

	h = curl_slist_append(NULL,
			      "Accept: application/x-virt-viewer, text/plain;q=0.9, */*;q=0.1");
	if (!h)
		goto oom;
	headers = h;
	if (e->connection_auth) {
		h = fetch_auth_header(e->connection_auth, headers, err, errlen);
		if (!h)
			goto fail;
		headers = h;
	}
	c = curl_easy_init();
	if (!c)
		goto oom;
	curl_easy_setopt(c, CURLOPT_URL, e->connection_url);
	/* The stations file only lets http:// reach this machine. */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)BROKER_FETCH_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)BROKER_FETCH_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)VV_FILE_MAX);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vdi-broker");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (e->connection_ca_pem) {
		ca.data = (void *)e->connection_ca_pem;
		ca.len = strlen(e->connection_ca_pem);
		ca.flags = CURL_BLOB_COPY;
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (e->connection_post) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		if (b.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(err, errlen,
				 "the connection file at the URL is larger than %d KiB",
				 VV_FILE_MAX / 1024);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(err, errlen, "the connection URL did not answer within %d s",
				 BROKER_FETCH_TIMEOUT_MS / 1000);
		else
			snprintf(err, errlen, "the connection URL could not be fetched: %s",
				 cerr[0] ? cerr : curl_easy_strerror(rc));
		goto fail;
	}
	if (code < 200 || code > 299) {
		snprintf(err, errlen, "the connection URL answered HTTP %ld", code);
		goto fail;
	}
	if (!b.data) {
		snprintf(err, errlen, "the connection URL answered with nothing");
		goto fail;
	}
	curl_easy_cleanup(c);
	for (h = headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(headers);
	*len = b.len;
	return fetch_unwrap_viewer_json(b.data, len);
oom:
	snprintf(err, errlen, "out of memory");
fail:
	if (c)
		curl_easy_cleanup(c);
	/* The Authorization line is in the list: libcurl does not wipe it. */
	for (h = headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(headers);
	fetch_wipe(b.data, b.len);
	return NULL;
}

/* What makes two fetches the same: the URL, the Authorization file, the
 * method and the CA the server must chain to (by a hash of its text). */
static char *fetch_key(const struct st_entry *e)
{
	uint64_t h = 1469598103934665603ull;
	const char *p;
	size_t n;
	char *key;

	for (p = e->connection_ca_pem; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	n = strlen(e->connection_url) + (e->connection_auth ? strlen(e->connection_auth) : 0) + 40;
	key = malloc(n);
	if (key)
		snprintf(key, n, "%s\n%s\n%d\n%016llx", e->connection_url,
			 e->connection_auth ? e->connection_auth : "", e->connection_post ? 1 : 0,
			 (unsigned long long)h);
	return key;
}

/* The remembered failure for key, if still fresh. Under fetch_lock. */
static struct fetch_failure *fetch_failure_find(const char *key, long long now)
{
	for (size_t i = 0; i < FETCH_FAILURES_MAX; i++)
		if (fetch_failures[i].key && fetch_failures[i].until_ms > now &&
		    strcmp(fetch_failures[i].key, key) == 0)
			return &fetch_failures[i];
	return NULL;
}

/* Under fetch_lock. ok forgets any failure of key; otherwise it is
 * remembered, in its old slot, a free or stale one, or the one that ends
 * soonest. */
static void fetch_failure_note(const char *key, bool ok, const char *err, long long now)
{
	struct fetch_failure *slot = NULL, *f;
	size_t i;

	for (i = 0; i < FETCH_FAILURES_MAX && !slot; i++)
		if (fetch_failures[i].key && strcmp(fetch_failures[i].key, key) == 0)
			slot = &fetch_failures[i];
	if (ok) {
		if (slot) {
			free(slot->key);
			slot->key = NULL;
		}
		return;
	}
	for (i = 0; i < FETCH_FAILURES_MAX && !slot; i++) {
		f = &fetch_failures[i];
		if (!f->key || f->until_ms <= now)
			slot = f;
	}
	if (!slot) {
		slot = &fetch_failures[0];
		for (i = 1; i < FETCH_FAILURES_MAX; i++)
			if (fetch_failures[i].until_ms < slot->until_ms)
				slot = &fetch_failures[i];
	}
	if (!slot->key || strcmp(slot->key, key) != 0) {
		free(slot->key);
		slot->key = strdup(key);
		if (!slot->key)
			return;
	}
	slot->until_ms = now + BROKER_FETCH_FAIL_MEMORY_MS;
	snprintf(slot->err, sizeof(slot->err), "%s", err);
}

bool broker_fetch_failed_recently(const struct st_entry *e, char *err, size_t errlen)
{
	struct fetch_failure *f;
	char *key;
	bool failed = false;

	if (!e->connection_url)
		return false;
	key = fetch_key(e);
	if (!key)
		return false;
	pthread_mutex_lock(&fetch_lock);
	f = fetch_failure_find(key, broker_time_mono_ms());
	if (f) {
		snprintf(err, errlen, "%s", f->err);
		failed = true;
	}
	pthread_mutex_unlock(&fetch_lock);
	free(key);
	return failed;
}

static void fetch_flight_free(struct fetch_flight *f)
{
	pthread_cond_destroy(&f->cv);
	fetch_wipe(f->text, f->len);
	free(f->key);
	free(f);
}

static char *fetch_dup(const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

/* Waits for the flight f (under fetch_lock, which it releases) and takes
 * a copy of its result. */
static char *fetch_follow(struct fetch_flight *f, size_t *len, char *err, size_t errlen)
{
	char *text = NULL;

	f->waiters++;
	while (!f->done)
		pthread_cond_wait(&f->cv, &fetch_lock);
	if (f->text) {
		text = fetch_dup(f->text, f->len);
		*len = f->len;
		if (!text)
			snprintf(err, errlen, "out of memory");
	} else {
		snprintf(err, errlen, "%s", f->err);
	}
	if (--f->waiters == 0)
		fetch_flight_free(f);
	pthread_mutex_unlock(&fetch_lock);
	return text;
}

/* The URL's text: from a failure remembered, from a fetch already in
 * flight, or fetched now. *fetched says whether this call fetched (and so
 * should log a failure). */
static char *fetch_shared(const struct st_entry *e, const char *key, size_t *len, bool *fetched,
			  char *err, size_t errlen)
{
	struct fetch_flight *f, **pp;
	struct fetch_failure *fail;
	char *text;

	*fetched = false;
	pthread_mutex_lock(&fetch_lock);
	fail = fetch_failure_find(key, broker_time_mono_ms());
	if (fail) {
		snprintf(err, errlen, "%s", fail->err);
		pthread_mutex_unlock(&fetch_lock);
		return NULL;
	}
	for (f = fetch_flights; f; f = f->next)
		if (strcmp(f->key, key) == 0)
			return fetch_follow(f, len, err, errlen);
	f = calloc(1, sizeof(*f));
	if (f)
		f->key = strdup(key);
	if (!f || !f->key) {
		free(f);
		pthread_mutex_unlock(&fetch_lock);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_cond_init(&f->cv, NULL);
	f->next = fetch_flights;
	fetch_flights = f;
	pthread_mutex_unlock(&fetch_lock);

	*fetched = true;
	text = fetch_url(e, len, err, errlen);

	pthread_mutex_lock(&fetch_lock);
	for (pp = &fetch_flights; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	f->done = true;
	if (f->waiters) {
		if (text) {
			f->text = fetch_dup(text, *len);
			f->len = *len;
		}
		if (!f->text)
			snprintf(f->err, sizeof(f->err), "%s", text ? "out of memory" : err);
		pthread_cond_broadcast(&f->cv);
	} else {
		fetch_flight_free(f);
	}
	pthread_mutex_unlock(&fetch_lock);
	return text;
}

char *broker_fetch_connection(const struct st_entry *e, size_t *len, char *err, size_t errlen)
{
	char what[VV_FILE_ERR_MAX], source[256];
	struct vv_file vv;
	char *text = NULL, *key = NULL;
	bool fetched = true;

	*len = 0;
	if (e->connection_file) {
		snprintf(source, sizeof(source), "%.255s", e->connection_file);
		if (file_read_capped(e->connection_file, VV_FILE_MAX, &text, len) < 0) {
			snprintf(err, errlen, "the connection file cannot be read: %s",
				 errno == EFBIG ? "larger than 64 KiB" : file_strerror(errno));
			text = NULL;
		}
	} else if (e->connection_url) {
		fetch_url_for_log(e->connection_url, source, sizeof(source));
		key = fetch_key(e);
		if (!key) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		text = fetch_shared(e, key, len, &fetched, err, errlen);
	} else {
		snprintf(err, errlen, "the mapping has no connection file");
		return NULL;
	}
	if (text && vv_file_parse(text, *len, &vv, what, sizeof(what)) < 0) {
		snprintf(err, errlen, "the connection file is not valid: %s", what);
		fetch_wipe(text, *len);
		text = NULL;
	}
	if (key) {
		pthread_mutex_lock(&fetch_lock);
		fetch_failure_note(key, text != NULL, err, broker_time_mono_ms());
		pthread_mutex_unlock(&fetch_lock);
		free(key);
	}
	if (!text) {
		/* Once per failure, by the station that fetched; the others
		 * were told the same. */
		if (fetched)
			log_event(LOG_WARN, "connection_file", "match", e->target.text, "source",
				  source, "error", err, NULL);
		*len = 0;
		return NULL;
	}
	vv_file_clear(&vv);
	return text;
}
