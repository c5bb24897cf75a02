/* The HTTP server under both the station API and the admin interface:
 * libmicrohttpd with an epoll thread pool, routing, and the limits every
 * request meets before a handler sees it.
 *
 * Limits, checked in this order as soon as the request head has arrived:
 * more than BROKER_HTTP_MAX_HEADERS headers → 431; an unknown path → 404; a
 * known path with another method → 405 with Allow; a declared body larger
 * than BROKER_BODY_MAX → 413 (an undeclared, chunked one is cut off at the
 * same size). The head itself is bounded by the per-connection memory
 * limit, a connection silent for --timeout seconds is closed, and one
 * whose request has not wholly arrived request_timeout seconds after it
 * began (at the connection's opening, or at the end of the previous answer
 * on it) is closed too. Handlers run once the whole body is in, on a
 * worker thread, and must not block for long: work that may is handed to
 * a pool (broker_workq) by setting resp->offload, which runs the handler
 * again there, with req->pooled set, while the connection waits. */
#ifndef BROKER_HTTP_H
#define BROKER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define BROKER_HTTP_MAX_HEADERS 32

struct MHD_Connection;

struct broker_http_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated for convenience; body_len is the truth */
	size_t body_len;
	const struct sockaddr *peer; /* NULL on the admin socket */
	struct MHD_Connection *conn;
	bool pooled; /* running on a pool thread (after an offload) */
};

struct broker_workq;

struct broker_http_response {
	unsigned status; /* 200 unless set */
	char *body;	 /* malloc'd JSON, owned by the server once set */
	size_t len;
	unsigned retry_after; /* > 0 adds a Retry-After header */
	/* Set by a handler (leaving body unset) to be run again on this pool.
	 * A full pool answers with its busy status and Retry-After. */
	struct broker_workq *offload;
};

typedef void (*broker_http_handler_fn)(void *app, const struct broker_http_request *req,
				       struct broker_http_response *resp);

struct broker_http_route {
	const char *path;
	const char *method; /* "GET" (HEAD is then allowed too) or "POST" */
	broker_http_handler_fn fn;
};

struct broker_http_params {
	const char *name;	  /* for logs: "api", "admin" */
	int listen_fd;		  /* bound and listening; the server does not close it */
	const char *tls_cert_pem; /* NULL: plain HTTP */
	const char *tls_key_pem;
	unsigned threads;
	unsigned max_connections;
	unsigned per_address; /* connections from one client address; 0: no limit */
	unsigned timeout;
	unsigned request_timeout; /* seconds for a whole request; 0: none */
	/* Admin socket: a request is served only when the peer process runs as
	 * root or as the broker's own user (SO_PEERCRED). */
	bool peer_cred_check;
	const struct broker_http_route *routes;
	size_t n_routes;
	void *app;
};

struct broker_http;

/* NULL with err on failure. */
struct broker_http *broker_http_start(const struct broker_http_params *p, char *err, size_t errlen);
/* Stops accepting, lets each thread finish the request it is handling,
 * closes every connection and joins the threads. */
void broker_http_stop(struct broker_http *h);

/* Open connections right now (for the admin health view). */
unsigned broker_http_connections(const struct broker_http *h);
/* Connections closed for missing the request deadline, since start. */
unsigned long broker_http_deadline_closed(const struct broker_http *h);

/* Every value of a request header, in the order received (up to max).
 * Returns how many there were, which may exceed max. */
size_t broker_http_header_values(const struct broker_http_request *req, const char *name,
				 const char **out, size_t max);

/* A 4xx/5xx error reply in the common shape. */
void broker_http_error(struct broker_http_response *resp, unsigned status, const char *code,
		       const char *message);

#endif
