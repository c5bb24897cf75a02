/* Station request bodies: parsing and validation, nothing else.
 *
 * Every function here is pure (no I/O, no global state) so that the fuzz
 * target and the unit tests drive exactly the code the daemon runs. A body is
 * hostile until proven otherwise: it must be one JSON object, strict JSON,
 * valid UTF-8, at most BROKER_BODY_MAX bytes; each field is type- and
 * length-checked. Unknown fields are ignored so that newer stations can talk
 * to an older broker. On failure err gets "field: reason", the text of the
 * 400 reply. */
#ifndef BROKER_REQUEST_H
#define BROKER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "stations.h"
#include "users.h"

#define BROKER_BODY_MAX	   8192
#define BROKER_VERSION_MAX 64
#define BROKER_REASON_MAX  256
#define BROKER_ERR_MAX	   160
/* A session token is 32 hex digits (broker_token.h); room for a longer one
 * lets a wrong token be refused as wrong (403), not as malformed (400). */
#define BROKER_SESSION_MAX 64

/* The identity a station sends about itself. */
struct broker_ident {
	uint8_t mac[6];
	char mac_str[MAC_STR_LEN];
	char hostname[HOSTNAME_MAX + 1]; /* "" when not given */
};

/* POST /v1/lookup */
struct broker_lookup_req {
	struct broker_ident id;
	char version[BROKER_VERSION_MAX + 1]; /* "" when not given */
};

#define BROKER_DESKTOP_ID_MAX 63

/* POST /v1/login. The password is wiped by broker_request_wipe_login(). */
struct broker_login_req {
	struct broker_ident id;
	char username[USERNAME_MAX + 1];
	char password[PASSWORD_MAX + 1];
	/* The desktop chosen from a "choose" answer (a stations file desktop
	 * name); "" when not given. */
	char desktop[BROKER_DESKTOP_ID_MAX + 1];
};

/* alive: sent every few seconds during a session (docs/protocol.md); its
 * reason is the station's idle time in whole seconds. */
enum broker_session_event { BROKER_SESSION_START, BROKER_SESSION_END, BROKER_SESSION_ALIVE };

/* POST /v1/session. The token is wiped by broker_request_wipe_session(). */
struct broker_session_req {
	struct broker_ident id;
	enum broker_session_event event;
	bool has_endpoint; /* protocol, host and port given (required for start) */
	enum st_protocol protocol;
	char host[HOSTNAME_MAX + 1];
	unsigned port;
	char user[USERNAME_MAX + 1];	      /* "" when not given */
	char reason[BROKER_REASON_MAX + 1];   /* "" when not given */
	char session[BROKER_SESSION_MAX + 1]; /* the ready answer's token; "" when not given */
};

int broker_request_parse_lookup(const char *body, size_t len, struct broker_lookup_req *out,
				char *err, size_t errlen);
int broker_request_parse_login(const char *body, size_t len, struct broker_login_req *out,
			       char *err, size_t errlen);
int broker_request_parse_session(const char *body, size_t len, struct broker_session_req *out,
				 char *err, size_t errlen);
void broker_request_wipe_login(struct broker_login_req *req);
void broker_request_wipe_session(struct broker_session_req *req);

/* A host as an endpoint names it: an RFC 1123 host name or an IP literal. */
bool broker_request_host_valid(const char *s);

#endif
