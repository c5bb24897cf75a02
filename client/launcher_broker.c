/* Broker requests over libcurl in worker threads: see launcher_broker.h. */
#include "launcher_broker.h"

#include <curl/curl.h>
#include <string.h>

#include "launcher_request.h"
#include "launcher_secret.h"
#include "log.h"

#ifndef VDI_VERSION
#define VDI_VERSION "dev"
#endif

struct LauncherBroker {
	char *url; /* without a trailing '/' */
	char *ca;
	gboolean insecure;
	int timeout;
};

/* Everything a worker thread needs, copied so that the caller may change or
 * free its own state meanwhile. */
struct broker_call {
	char *url;
	char *ca;
	gboolean insecure;
	int timeout;
	char *body;
	gsize body_len;
	const char *what; /* "lookup", "login", "session" for the log */
};

struct broker_result {
	struct broker_reply reply;
	gboolean has_reply;
};

struct broker_buffer {
	char *data;
	size_t len, cap;
	gboolean overflow;
};

GQuark launcher_broker_error_quark(void)
{
	return g_quark_from_static_string("launcher-broker-error");
}

LauncherBroker *launcher_broker_new(const char *url, const char *ca, gboolean insecure,
				    int timeout_seconds)
{
	LauncherBroker *b = g_new0(LauncherBroker, 1);

	if (url) {
		b->url = g_strdup(url);
		while (*b->url && g_str_has_suffix(b->url, "/"))
			b->url[strlen(b->url) - 1] = '\0';
	}
	b->ca = g_strdup(ca);
	b->insecure = insecure;
	b->timeout = timeout_seconds > 0 ? timeout_seconds : 10;
	return b;
}

void launcher_broker_free(LauncherBroker *b)
{
	if (!b)
		return;
	g_free(b->url);
	g_free(b->ca);
	g_free(b);
}

const char *launcher_broker_url(const LauncherBroker *b)
{
	return b->url;
}

gboolean launcher_broker_is_plain_http(const LauncherBroker *b)
{
	return b->url && g_str_has_prefix(b->url, "http://");
}

gboolean launcher_broker_check(const LauncherBroker *b, GError **error)
{
	if (!b->url || !*b->url) {
		g_set_error_literal(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_CONFIG,
				    "no broker address is configured");
		return FALSE;
	}
	if (launcher_broker_is_plain_http(b) && !b->insecure) {
		g_set_error_literal(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_CONFIG,
				    "the broker address is plain http:// but insecure mode is off");
		return FALSE;
	}
	if (!g_str_has_prefix(b->url, "https://") && !launcher_broker_is_plain_http(b)) {
		g_set_error_literal(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_CONFIG,
				    "the broker address is not an https:// URL");
		return FALSE;
	}
	if (b->ca && !g_file_test(b->ca, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_CONFIG,
			    "the broker CA file %s cannot be read", b->ca);
		return FALSE;
	}
	return TRUE;
}

static void broker_call_free(gpointer p)
{
	struct broker_call *c = p;

	g_free(c->url);
	g_free(c->ca);
	/* The login body holds the password. */
	launcher_secret_free_len(c->body, c->body_len);
	g_free(c);
}

static void broker_result_free(gpointer p)
{
	struct broker_result *r = p;

	broker_reply_clear(&r->reply);
	g_free(r);
}

static size_t broker_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct broker_buffer *buf = userdata;
	size_t n = size * nmemb;

	if (buf->len + n > BROKER_REPLY_MAX) {
		buf->overflow = TRUE;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (buf->len + n + 1 > buf->cap) {
		/* Grown by hand, not realloc: a login reply holds desktop
		 * passwords, and realloc would leave a copy behind. */
		size_t cap = MAX(buf->cap * 2, buf->len + n + 1);
		char *bigger = g_malloc(cap);
		if (buf->data) {
			memcpy(bigger, buf->data, buf->len);
			launcher_secret_free_len(buf->data, buf->cap);
		}
		buf->data = bigger;
		buf->cap = cap;
	}
	memcpy(buf->data + buf->len, ptr, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
	return n;
}

static int broker_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			   curl_off_t ulnow)
{
	GCancellable *c = clientp;
	return c && g_cancellable_is_cancelled(c);
}

static LauncherBrokerError broker_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		return LAUNCHER_BROKER_ERROR_TLS;
	case CURLE_URL_MALFORMAT:
		return LAUNCHER_BROKER_ERROR_CONFIG;
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* The URL's scheme was checked before the request: this is an
		 * answer that is not HTTP (curl's "HTTP/0.9"), so something
		 * else than the broker answered. */
	case CURLE_WRITE_ERROR:
		return LAUNCHER_BROKER_ERROR_PROTOCOL;
	default:
		/* Name resolution, refused connections, time-outs, resets
		 * and anything else on the way: the broker is not there. */
		return LAUNCHER_BROKER_ERROR_UNREACHABLE;
	}
}

/* The HTTP status of a reply that parsed as JSON (or did not) → error. */
static void broker_http_error(long http, struct broker_result *res, GError **error)
{
	const char *msg = res->has_reply && res->reply.message ? res->reply.message : NULL;
	LauncherBrokerError code;

	if (http == 401)
		code = LAUNCHER_BROKER_ERROR_LOGIN;
	else if (http == 403 && res->has_reply && res->reply.error &&
		 strcmp(res->reply.error, "account_locked") == 0)
		code = LAUNCHER_BROKER_ERROR_ACCOUNT_LOCKED;
	else if (http == 429)
		code = LAUNCHER_BROKER_ERROR_RATE_LIMITED;
	else if (http >= 400 && http < 500)
		code = LAUNCHER_BROKER_ERROR_REFUSED;
	else if (http >= 500)
		code = LAUNCHER_BROKER_ERROR_SERVER;
	else
		code = LAUNCHER_BROKER_ERROR_PROTOCOL;
	g_set_error(error, LAUNCHER_BROKER_ERROR, code, "HTTP %ld%s%s", http, msg ? ": " : "",
		    msg ? msg : "");
}

static void broker_thread(GTask *task, gpointer source, gpointer task_data,
			  GCancellable *cancellable)
{
	struct broker_call *call = task_data;
	struct broker_result *res = g_new0(struct broker_result, 1);
	struct broker_buffer buf = {0};
	struct curl_slist *headers = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	char parse_err[160];
	GError *error = NULL;
	long http = 0;
	CURLcode rc;
	CURL *curl;

	res->reply.retry_after = -1;
	if (call->ca && !g_file_test(call->ca, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(&error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_CONFIG,
			    "the broker CA file %s cannot be read", call->ca);
		goto out;
	}
	curl = curl_easy_init();
	if (!curl) {
		g_set_error_literal(&error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_PROTOCOL,
				    "cannot start an HTTP request");
		goto out;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, call->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, call->insecure ? "http,https" : "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* The broker is on the station's own network: proxies from the
	 * environment do not apply to it. */
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (call->ca) {
		/* The configured CA is the only trust anchor. */
		curl_easy_setopt(curl, CURLOPT_CAINFO, call->ca);
		curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
	}
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)MIN(call->timeout, 5) * 1000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)call->timeout * 1000L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "vdi-launcher/" VDI_VERSION);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, broker_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, broker_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, cancellable);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);

	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);

	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
		goto out;
	}
	if (rc != CURLE_OK) {
		g_set_error(&error, LAUNCHER_BROKER_ERROR, broker_classify(rc), "%s",
			    buf.overflow ? "the broker's reply is too large"
					 : (curl_err[0] ? curl_err : curl_easy_strerror(rc)));
		goto out;
	}
	if (buf.len &&
	    broker_reply_parse(buf.data, buf.len, &res->reply, parse_err, sizeof(parse_err)) == 0)
		res->has_reply = TRUE;
	if (http != 200) {
		broker_http_error(http, res, &error);
		goto out;
	}
	if (!res->has_reply) {
		g_set_error(&error, LAUNCHER_BROKER_ERROR, LAUNCHER_BROKER_ERROR_PROTOCOL,
			    "malformed reply (%s)", buf.len ? parse_err : "empty");
		goto out;
	}
out:
	launcher_secret_free_len(buf.data, buf.cap);
	if (error) {
		log_event(LOG_DEBUG, "broker_request", "request", call->what, "error",
			  error->message, NULL);
		/* The parsed error reply (retry_after, message) rides along
		 * with the error; attached before the task completes, as the
		 * callback may run on the main thread at once. */
		g_object_set_data_full(G_OBJECT(task), "vdi-broker-result", res,
				       broker_result_free);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, res, broker_result_free);
}

static void broker_start(LauncherBroker *b, const char *path, const char *what, char *body,
			 gsize body_len, GCancellable *cancellable, GAsyncReadyCallback callback,
			 gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	struct broker_call *call = g_new0(struct broker_call, 1);
	GError *error = NULL;

	call->body = body;
	call->body_len = body_len;
	call->what = what;
	if (!launcher_broker_check(b, &error)) {
		broker_call_free(call);
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	call->url = g_strconcat(b->url, path, NULL);
	call->ca = g_strdup(b->ca);
	call->insecure = b->insecure;
	call->timeout = b->timeout;
	g_task_set_task_data(task, call, broker_call_free);
	g_task_set_source_tag(task, broker_start);
	g_task_run_in_thread(task, broker_thread);
	g_object_unref(task);
}

void launcher_broker_lookup_async(LauncherBroker *b, const LauncherIdentity *id,
				  GCancellable *cancellable, GAsyncReadyCallback callback,
				  gpointer user_data)
{
	gsize len;
	char *body = launcher_request_lookup(id, VDI_VERSION, &len);

	broker_start(b, "/v1/lookup", "lookup", body, len, cancellable, callback, user_data);
}

void launcher_broker_login_async(LauncherBroker *b, const LauncherIdentity *id,
				 const char *username, const char *password, const char *desktop,
				 GCancellable *cancellable, GAsyncReadyCallback callback,
				 gpointer user_data)
{
	gsize len;
	char *body = launcher_request_login_desktop(id, username, password, desktop, &len);

	broker_start(b, "/v1/login", "login", body, len, cancellable, callback, user_data);
}

void launcher_broker_session_async(LauncherBroker *b, const LauncherIdentity *id, const char *event,
				   const char *protocol, const char *host, unsigned port,
				   const char *user, const char *reason, const char *session,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data)
{
	gsize len;
	char *body =
	    launcher_request_session(id, event, protocol, host, port, user, reason, session, &len);

	broker_start(b, "/v1/session", "session", body, len, cancellable, callback, user_data);
}

gboolean launcher_broker_finish(GAsyncResult *res, struct broker_reply *reply, GError **error)
{
	GTask *task = G_TASK(res);
	struct broker_result *r;

	memset(reply, 0, sizeof(*reply));
	reply->retry_after = -1;
	if (g_task_had_error(task)) {
		r = g_object_get_data(G_OBJECT(task), "vdi-broker-result");
		if (r && r->has_reply) {
			*reply = r->reply;
			memset(&r->reply, 0, sizeof(r->reply));
			r->has_reply = FALSE;
		}
		g_task_propagate_pointer(task, error);
		return FALSE;
	}
	r = g_task_propagate_pointer(task, error);
	if (!r)
		return FALSE;
	*reply = r->reply;
	memset(&r->reply, 0, sizeof(r->reply));
	broker_result_free(r);
	return TRUE;
}
