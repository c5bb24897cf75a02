/* HTTP server on libmicrohttpd: see broker_http.h. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "broker_http.h"
#include "broker_reply.h"
#include "broker_request.h"
#include "broker_time.h"
#include "broker_workq.h"
#include "log.h"

/* Per-connection memory for the request head and the reply headers. 16 KiB
 * holds 32 ordinary headers with room to spare; a larger head is refused by
 * the library before a handler runs. */
#define HTTP_CONN_MEMORY (16 * 1024)
/* A chunked body over the limit is read and dropped up to this much, so the
 * client still gets its 413; beyond it the connection is simply closed. */
#define HTTP_DISCARD_MAX (64 * 1024)
#define HTTP_INLINE_BODY 512
/* 413; the library renamed its constant between versions. */
#define HTTP_CONTENT_TOO_LARGE 413

/* One open connection, known to the deadline sweeper from the library's
 * "started" notice to its "closed" one, which comes before the socket is
 * closed: so a socket in the list is always still this connection's. */
struct http_conn {
	struct http_conn *prev, *next;
	int fd;
	/* When the request now arriving began: the connection's opening, or
	 * the end of the previous answer on it. 0 while no request is being
	 * received (a handler is running or the answer is being sent). */
	_Atomic long long receiving_since;
};

struct broker_http {
	struct MHD_Daemon *daemon;
	struct broker_http_params p;
	char name[16];
	/* The deadline sweeper and its list of connections. */
	pthread_mutex_t conns_lock;
	pthread_cond_t sweeper_wake;
	struct http_conn *conns;
	pthread_t sweeper;
	bool sweeper_running, stopping;
	_Atomic unsigned long deadline_closed;
};

/* Where a request is in its life: its head and body arriving, waiting in
 * (or running on) a work pool while its connection is suspended, or its
 * answer ready to be sent when the connection is resumed. */
enum http_req_state { HTTP_REQ_RECEIVING, HTTP_REQ_POOLED, HTTP_REQ_ANSWERED };

/* State of one request, from its head to its completion. */
struct http_req {
	const struct broker_http_route *route;
	enum http_req_state state;
	size_t len, cap, discarded;
	bool too_big;
	char *body; /* inline or heap */
	/* What a pool thread needs to run the handler: the request as the
	 * handler sees it, and the answer it leaves for the resumed
	 * connection. */
	struct broker_http *h;
	struct broker_http_request req;
	struct broker_http_response resp;
	char inline_body[HTTP_INLINE_BODY];
};

static void http_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void http_log(void *cls, const char *fmt, va_list ap)
{
	struct broker_http *h = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* The library reports every failed TLS handshake and reset peer; at
	 * info level that is noise an internet scanner can produce at will.
	 * Limits being hit, though, an admin wants to see. */
	log_event(strstr(msg, "limit") ? LOG_WARN : LOG_DEBUG, "http", "server", h->name, "msg",
		  msg, NULL);
}

static void http_free_req(struct http_req *r)
{
	if (!r)
		return;
	/* Bodies may carry passwords: do not leave them in freed memory. */
	if (r->body) {
		explicit_bzero(r->body, r->len);
		if (r->body != r->inline_body)
			free(r->body);
	}
	/* An answer never sent (the client left while it was made). */
	free(r->resp.body);
	free(r);
}

static struct http_conn *http_conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

static void http_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct http_conn *hc = http_conn_of(c);

	http_free_req(*req_cls);
	*req_cls = NULL;
	/* A kept-alive connection starts its next request's time now. */
	if (hc)
		hc->receiving_since = broker_time_mono_ms();
}

/* Keeps the list of open connections for the sweeper. */
static void http_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
				   enum MHD_ConnectionNotificationCode toe)
{
	struct broker_http *h = cls;
	struct http_conn *hc = *socket_context;
	const union MHD_ConnectionInfo *info;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		hc = info ? calloc(1, sizeof(*hc)) : NULL;
		if (!hc)
			return; /* not swept: bounded still by --timeout */
		hc->fd = info->connect_fd;
		hc->receiving_since = broker_time_mono_ms();
		pthread_mutex_lock(&h->conns_lock);
		hc->next = h->conns;
		if (h->conns)
			h->conns->prev = hc;
		h->conns = hc;
		pthread_mutex_unlock(&h->conns_lock);
		*socket_context = hc;
		return;
	}
	if (!hc)
		return;
	pthread_mutex_lock(&h->conns_lock);
	if (hc->prev)
		hc->prev->next = hc->next;
	else
		h->conns = hc->next;
	if (hc->next)
		hc->next->prev = hc->prev;
	pthread_mutex_unlock(&h->conns_lock);
	free(hc);
	*socket_context = NULL;
}

/* The idle time-out counts only silence: a client sending one byte every
 * few seconds would keep a connection, and a thread's attention, for ever.
 * Once a second, every connection still receiving a request after the
 * deadline is shut down; the library then sees the socket end and closes
 * it in its own thread. */
static void *http_sweeper(void *arg)
{
	struct broker_http *h = arg;
	struct http_conn *hc;
	struct timespec ts;
	long long now, since, limit = (long long)h->p.request_timeout * 1000;
	unsigned long n;

	pthread_mutex_lock(&h->conns_lock);
	while (!h->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&h->sweeper_wake, &h->conns_lock, &ts);
		if (h->stopping)
			break;
		now = broker_time_mono_ms();
		n = 0;
		for (hc = h->conns; hc; hc = hc->next) {
			since = hc->receiving_since;
			if (since && now - since > limit && hc->fd >= 0) {
				shutdown(hc->fd, SHUT_RDWR);
				hc->fd = -1; /* once is enough */
				n++;
			}
		}
		if (n) {
			h->deadline_closed += n;
			pthread_mutex_unlock(&h->conns_lock);
			log_event(LOG_DEBUG, "http", "server", h->name, "msg",
				  "closed connections past the request deadline", NULL);
			pthread_mutex_lock(&h->conns_lock);
		}
	}
	pthread_mutex_unlock(&h->conns_lock);
	return NULL;
}

void broker_http_error(struct broker_http_response *resp, unsigned status, const char *code,
		       const char *message)
{
	free(resp->body);
	resp->status = status;
	resp->body = broker_reply_client_error(code, message, 0, &resp->len);
}

static enum MHD_Result http_send_ex(struct MHD_Connection *c, struct broker_http_response *resp,
				    const char *allow, bool close)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char num[16];

	if (!resp->body) {
		/* Out of memory while building the reply: dropping the connection
		 * is all that is left, and the station will retry. */
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(resp->body);
		resp->body = NULL;
		return MHD_NO;
	}
	resp->body = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	/* Replies carry desktop passwords: no cache may keep them. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	if (resp->retry_after) {
		snprintf(num, sizeof(num), "%u", resp->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	ret = MHD_queue_response(c, resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result http_send(struct MHD_Connection *c, struct broker_http_response *resp,
				 const char *allow)
{
	return http_send_ex(c, resp, allow, false);
}

static enum MHD_Result http_fail(struct MHD_Connection *c, unsigned status, const char *code,
				 const char *message, const char *allow)
{
	struct broker_http_response resp = {0};

	broker_http_error(&resp, status, code, message);
	return http_send(c, &resp, allow);
}

static bool http_method_is(const char *method, const char *want)
{
	if (strcmp(method, want) == 0)
		return true;
	/* HEAD is GET without the body; the library drops the body. */
	return strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

/* The route for path and method. NULL with *status 404 or 405 (and allow
 * listing the methods the path has) otherwise. */
static const struct broker_http_route *http_route(const struct broker_http *h, const char *path,
						  const char *method, unsigned *status, char *allow,
						  size_t allow_len)
{
	const struct broker_http_route *r;
	bool path_known = false;
	size_t i;

	allow[0] = '\0';
	for (i = 0; i < h->p.n_routes; i++) {
		r = &h->p.routes[i];
		if (strcmp(r->path, path) != 0)
			continue;
		if (http_method_is(method, r->method))
			return r;
		path_known = true;
		snprintf(allow + strlen(allow), allow_len - strlen(allow), "%s%s%s",
			 allow[0] ? ", " : "", r->method,
			 strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
	}
	*status = path_known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND;
	return NULL;
}

/* The admin interface is as private as the socket file's permissions make
 * it; this check keeps it private even if someone loosens them. */
static bool http_peer_allowed(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info)
		return false;
	if (getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

struct http_collect {
	const char *name;
	const char **out;
	size_t max, n;
};

static enum MHD_Result http_collect_value(void *cls, enum MHD_ValueKind kind, const char *key,
					  const char *value)
{
	struct http_collect *hc = cls;

	if (key && value && strcasecmp(key, hc->name) == 0) {
		if (hc->n < hc->max)
			hc->out[hc->n] = value;
		hc->n++;
	}
	return MHD_YES;
}

static size_t http_values(struct MHD_Connection *c, const char *name, const char **out, size_t max)
{
	struct http_collect hc = {name, out, max, 0};

	MHD_get_connection_values(c, MHD_HEADER_KIND, http_collect_value, &hc);
	return hc.n;
}

/* An error sent before the body was read: the connection is closed after
 * it, since where the unread body ends, and so where a next request would
 * begin, is exactly what is in doubt. */
static enum MHD_Result http_fail_close(struct MHD_Connection *c, unsigned status, const char *code,
				       const char *message)
{
	struct broker_http_response resp = {0};

	broker_http_error(&resp, status, code, message);
	return http_send_ex(c, &resp, NULL, true);
}

/* How the body is framed, checked before anything else looks at it. The
 * library takes the first Content-Length and leaves the rest of the body
 * to be read as a next request; a proxy in front that takes another one
 * would then let a client smuggle requests past it. And a transfer coding
 * other than plain "chunked" has a length nobody here can know, which the
 * library would wait out to the time-out. */
static unsigned http_framing(struct MHD_Connection *c, const char **code, const char **message)
{
	const char *cl[2], *te[2];
	size_t ncl = http_values(c, MHD_HTTP_HEADER_CONTENT_LENGTH, cl, 2);
	size_t nte = http_values(c, MHD_HTTP_HEADER_TRANSFER_ENCODING, te, 2);

	*code = "bad_request";
	if (ncl > 1) {
		*message = "more than one Content-Length header";
		return MHD_HTTP_BAD_REQUEST;
	}
	if (nte > 1 || (nte == 1 && strcasecmp(te[0], "chunked") != 0)) {
		*code = "not_implemented";
		*message = "only the chunked transfer coding is supported";
		return MHD_HTTP_NOT_IMPLEMENTED;
	}
	if (nte == 1 && ncl == 1) {
		*message = "both Content-Length and Transfer-Encoding";
		return MHD_HTTP_BAD_REQUEST;
	}
	return 0;
}

/* The first call for a request: the head is complete, no body yet. Refuses
 * what can be refused without reading the body. */
static enum MHD_Result http_begin(struct broker_http *h, struct MHD_Connection *c, const char *path,
				  const char *method, const char *version, void **req_cls)
{
	const struct broker_http_route *route;
	const char *cl;
	char allow[64], *end;
	unsigned status = 0;
	unsigned long long declared;
	struct http_req *r;
	const char *code, *message;
	unsigned framing;
	int n;

	/* The library answers HTTP/2 and up with 505 itself, but serves any
	 * HTTP/1.x as 1.1. Versions this server does not speak get 505. */
	if (strcmp(version, MHD_HTTP_VERSION_1_1) != 0 &&
	    strcmp(version, MHD_HTTP_VERSION_1_0) != 0)
		return http_fail_close(c, MHD_HTTP_HTTP_VERSION_NOT_SUPPORTED,
				       "http_version_not_supported", "HTTP/1.0 and HTTP/1.1 only");
	n = MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL);
	if (n > BROKER_HTTP_MAX_HEADERS)
		return http_fail_close(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
				       "too_many_headers", "more than 32 request headers");
	framing = http_framing(c, &code, &message);
	if (framing)
		return http_fail_close(c, framing, code, message);
	if (h->p.peer_cred_check && !http_peer_allowed(c))
		return http_fail(c, MHD_HTTP_FORBIDDEN, "forbidden",
				 "the admin interface is for root and the broker's user", NULL);
	route = http_route(h, path, method, &status, allow, sizeof(allow));
	if (!route) {
		if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
			return http_fail(c, status, "method_not_allowed",
					 "method not allowed for this path", allow);
		return http_fail(c, status, "not_found", "no such resource", NULL);
	}
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		errno = 0;
		declared = strtoull(cl, &end, 10);
		if (errno || *end || end == cl || declared > BROKER_BODY_MAX)
			return http_fail(c, HTTP_CONTENT_TOO_LARGE, "payload_too_large",
					 "request body larger than 8192 bytes", NULL);
	}

	r = calloc(1, sizeof(*r));
	if (!r)
		return MHD_NO;
	r->route = route;
	r->body = r->inline_body;
	r->cap = sizeof(r->inline_body);
	*req_cls = r;
	return MHD_YES;
}

/* Appends a piece of the body; past the limit it is counted and dropped. */
static enum MHD_Result http_body(struct http_req *r, const char *data, size_t n)
{
	size_t cap;
	char *bigger;

	if (r->too_big || n > BROKER_BODY_MAX - r->len) {
		r->too_big = true;
		r->discarded += n;
		return r->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	/* +1 keeps room for a terminating NUL. */
	if (r->len + n + 1 > r->cap) {
		cap = r->cap;
		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > BROKER_BODY_MAX + 1)
			cap = BROKER_BODY_MAX + 1;
		/* Not realloc: the old copy (maybe a password) is wiped first. */
		bigger = malloc(cap);
		if (!bigger)
			return MHD_NO;
		memcpy(bigger, r->body, r->len);
		explicit_bzero(r->body, r->len);
		if (r->body != r->inline_body)
			free(r->body);
		r->body = bigger;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return MHD_YES;
}

/* Runs a handler on a pool thread, then wakes its connection. */
static void http_pooled(void *arg, bool cancelled)
{
	struct http_req *r = arg;
	struct MHD_Connection *c = r->req.conn;

	if (cancelled) {
		broker_http_error(&r->resp, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
				  "The broker is stopping. The station will retry.");
	} else {
		r->req.pooled = true;
		r->resp.status = MHD_HTTP_OK;
		r->route->fn(r->h->p.app, &r->req, &r->resp);
		if (r->resp.offload) /* handlers offload only once */
			broker_http_error(&r->resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					  "internal error");
	}
	r->state = HTTP_REQ_ANSWERED;
	/* The last use of r here: once resumed, the connection's thread
	 * sends the answer and frees r. */
	MHD_resume_connection(c);
}

/* The handler asked for a pool: the connection is suspended (its thread
 * goes on serving others) until the pool has run the handler again. A
 * full queue is answered at once. */
static enum MHD_Result http_offload(struct broker_http *h, struct MHD_Connection *c,
				    struct http_req *r, const struct broker_http_request *req,
				    const struct broker_http_response *resp)
{
	struct broker_workq *q = resp->offload;

	r->h = h;
	r->req = *req;
	r->resp = (struct broker_http_response){0};
	r->state = HTTP_REQ_POOLED;
	/* Suspended before the job is queued: a job that ran at once would
	 * otherwise resume a connection not yet suspended. */
	MHD_suspend_connection(c);
	if (broker_workq_submit(q, http_pooled, r) == 0)
		return MHD_YES;
	broker_http_error(&r->resp, broker_workq_full_status(q), "busy",
			  "The broker is busy. The station will retry.");
	r->resp.retry_after = 2;
	r->state = HTTP_REQ_ANSWERED;
	MHD_resume_connection(c);
	return MHD_YES;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *upload_data,
				   size_t *upload_data_size, void **req_cls)
{
	struct broker_http *h = cls;
	struct http_req *r = *req_cls;
	struct broker_http_request req;
	struct broker_http_response resp = {0};
	const union MHD_ConnectionInfo *info;
	struct http_conn *hc;
	enum MHD_Result ret;

	if (!r)
		return http_begin(h, c, url, method, version, req_cls);
	if (r->state == HTTP_REQ_ANSWERED)
		return http_send(c, &r->resp, NULL);
	if (*upload_data_size) {
		ret = http_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ret;
	}
	/* The whole request is in: its deadline no longer runs. */
	hc = http_conn_of(c);
	if (hc)
		hc->receiving_since = 0;
	if (r->too_big)
		return http_fail(c, HTTP_CONTENT_TOO_LARGE, "payload_too_large",
				 "request body larger than 8192 bytes", NULL);

	r->body[r->len] = '\0';
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.body = r->body;
	req.body_len = r->len;
	req.conn = c;
	if (!h->p.peer_cred_check) {
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		req.peer = info ? info->client_addr : NULL;
	}
	resp.status = MHD_HTTP_OK;
	r->route->fn(h->p.app, &req, &resp);
	if (resp.offload)
		return http_offload(h, c, r, &req, &resp);
	return http_send(c, &resp, NULL);
}

size_t broker_http_header_values(const struct broker_http_request *req, const char *name,
				 const char **out, size_t max)
{
	return http_values(req->conn, name, out, max);
}

/* Paths are exact (docs/protocol.md): the library would decode
 * "/v1/%6cookup" into "/v1/lookup", so that a filter in front matching the
 * path as written sees another path than the broker serves. Left as
 * written, an escaped path matches no route and gets 404. */
static size_t http_no_unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	return strlen(uri);
}

static void http_free(struct broker_http *h)
{
	pthread_cond_destroy(&h->sweeper_wake);
	pthread_mutex_destroy(&h->conns_lock);
	free(h);
}

struct broker_http *broker_http_start(const struct broker_http_params *p, char *err, size_t errlen)
{
	struct MHD_OptionItem o[16];
	struct broker_http *h;
	unsigned flags;
	size_t n = 0;

	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->p = *p;
	snprintf(h->name, sizeof(h->name), "%s", p->name);
	pthread_mutex_init(&h->conns_lock, NULL);
	pthread_cond_init(&h->sweeper_wake, NULL);

	/* epoll with a pool of threads sharing the listen socket: each thread
	 * accepts and serves its own connections, no hand-offs. Not
	 * MHD_USE_TURBO: with it, 0.9.75 never times out an idle TLS
	 * connection, which a slow-client attack would exploit. */
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME;
	if (p->tls_cert_pem)
		flags |= MHD_USE_TLS;

	o[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_log, h};
	o[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, p->listen_fd, NULL};
	o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, p->max_connections, NULL};
	o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, p->timeout, NULL};
	/* Counted across the whole thread pool; over it, a new connection is
	 * closed as soon as it is accepted. */
	if (p->per_address)
		o[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, p->per_address,
						 NULL};
	o[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL};
	o[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_completed, NULL};
	if (p->request_timeout)
		o[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
						 (intptr_t)http_notify_connection, h};
	o[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)http_no_unescape, NULL};
	if (p->threads > 1)
		o[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, p->threads, NULL};
	if (p->tls_cert_pem) {
		o[n++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)p->tls_cert_pem};
		o[n++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)p->tls_key_pem};
		o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
						 "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
	}
	o[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_access, h, MHD_OPTION_ARRAY, o,
				     MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err, errlen, "cannot start the HTTP server (see the http log lines)");
		http_free(h);
		return NULL;
	}
	if (p->request_timeout) {
		if (pthread_create(&h->sweeper, NULL, http_sweeper, h) != 0) {
			snprintf(err, errlen, "cannot start the request deadline thread");
			MHD_stop_daemon(h->daemon);
			http_free(h);
			return NULL;
		}
		pthread_setname_np(h->sweeper, "vdi-deadline");
		h->sweeper_running = true;
	}
	return h;
}

unsigned long broker_http_deadline_closed(const struct broker_http *h)
{
	return h ? h->deadline_closed : 0;
}

unsigned broker_http_connections(const struct broker_http *h)
{
	const union MHD_DaemonInfo *info;

	if (!h)
		return 0;
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

void broker_http_stop(struct broker_http *h)
{
	if (!h)
		return;
	/* Not MHD_quiesce_daemon(): in libmicrohttpd 0.9.75 it races with the
	 * pool threads over the epoll set and can abort the process. Stopping
	 * joins every thread, each after the request it is handling. */
	MHD_stop_daemon(h->daemon);
	/* After the library: its "closed" notices have emptied the list. */
	if (h->sweeper_running) {
		pthread_mutex_lock(&h->conns_lock);
		h->stopping = true;
		pthread_cond_signal(&h->sweeper_wake);
		pthread_mutex_unlock(&h->conns_lock);
		pthread_join(h->sweeper, NULL);
	}
	http_free(h);
}
