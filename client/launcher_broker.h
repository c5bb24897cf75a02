/* Talking to the broker: HTTPS POSTs with libcurl, each in a worker thread
 * (GTask), so that the screen never freezes while the network is slow.
 *
 * The broker's certificate must chain to the configured CA and match the
 * URL's host name; nothing else is trusted. Plain http:// is refused unless
 * the station is configured as insecure. */
#ifndef LAUNCHER_BROKER_H
#define LAUNCHER_BROKER_H

#include <gio/gio.h>

#include "broker_reply_parse.h"
#include "launcher_identity.h"

#define LAUNCHER_BROKER_ERROR (launcher_broker_error_quark())
GQuark launcher_broker_error_quark(void);

typedef enum {
	LAUNCHER_BROKER_ERROR_CONFIG,	    /* no URL, http:// not allowed, CA unreadable */
	LAUNCHER_BROKER_ERROR_UNREACHABLE,  /* name, connection, time-out */
	LAUNCHER_BROKER_ERROR_TLS,	    /* certificate not trusted, handshake */
	LAUNCHER_BROKER_ERROR_PROTOCOL,	    /* not a reply this launcher understands */
	LAUNCHER_BROKER_ERROR_LOGIN,	    /* 401: user name or password wrong */
	LAUNCHER_BROKER_ERROR_RATE_LIMITED, /* 429: too many attempts */
	LAUNCHER_BROKER_ERROR_REFUSED,	    /* another 4xx */
	LAUNCHER_BROKER_ERROR_SERVER,	    /* 5xx */
	/* 403 account_locked: the directory says the account is locked,
	 * expired or disabled; its reason is in the reply's message */
	LAUNCHER_BROKER_ERROR_ACCOUNT_LOCKED,
} LauncherBrokerError;

typedef struct LauncherBroker LauncherBroker;

LauncherBroker *launcher_broker_new(const char *url, const char *ca, gboolean insecure,
				    int timeout_seconds);
void launcher_broker_free(LauncherBroker *b);

/* What a request would refuse before touching the network: no URL, an
 * http:// URL without insecure, an unreadable CA file. */
gboolean launcher_broker_check(const LauncherBroker *b, GError **error);
gboolean launcher_broker_is_plain_http(const LauncherBroker *b);
const char *launcher_broker_url(const LauncherBroker *b);

/* POST /v1/lookup. */
void launcher_broker_lookup_async(LauncherBroker *b, const LauncherIdentity *id,
				  GCancellable *cancellable, GAsyncReadyCallback callback,
				  gpointer user_data);

/* POST /v1/login. The password is copied and wiped once sent. desktop:
 * the one the user chose from a "choose" reply, or NULL. */
void launcher_broker_login_async(LauncherBroker *b, const LauncherIdentity *id,
				 const char *username, const char *password, const char *desktop,
				 GCancellable *cancellable, GAsyncReadyCallback callback,
				 gpointer user_data);

/* POST /v1/session. session: the ready reply's token (NULL: none). */
void launcher_broker_session_async(LauncherBroker *b, const LauncherIdentity *id, const char *event,
				   const char *protocol, const char *host, unsigned port,
				   const char *user, const char *reason, const char *session,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data);

/* Ends any of the above. TRUE with *reply filled (clear it with
 * broker_reply_clear) on a 200 with a valid body. On failure FALSE with
 * error; *reply is still filled when the broker's error reply could be
 * parsed (its message and retry_after), and cleared otherwise. */
gboolean launcher_broker_finish(GAsyncResult *res, struct broker_reply *reply, GError **error);

#endif
