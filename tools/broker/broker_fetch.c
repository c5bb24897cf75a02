/* Connection files for lookups: see broker_fetch.h. */
#include "broker_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "vv_file.h"

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
	return b.data;
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

char *broker_fetch_connection(const struct st_entry *e, size_t *len, char *err, size_t errlen)
{
	char what[VV_FILE_ERR_MAX], source[256];
	struct vv_file vv;
	char *text = NULL;

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
		text = fetch_url(e, len, err, errlen);
	} else {
		snprintf(err, errlen, "the mapping has no connection file");
		return NULL;
	}
	if (text && vv_file_parse(text, *len, &vv, what, sizeof(what)) < 0) {
		snprintf(err, errlen, "the connection file is not valid: %s", what);
		fetch_wipe(text, *len);
		text = NULL;
	}
	if (!text) {
		log_event(LOG_WARN, "connection_file", "match", e->target.text, "source", source,
			  "error", err, NULL);
		*len = 0;
		return NULL;
	}
	vv_file_clear(&vv);
	return text;
}
