/* Replies from the broker (POST /v1/lookup, /v1/login, /v1/session), parsed
 * and validated into plain C structures.
 *
 * Every byte of a reply is treated as hostile: sizes are capped, every field
 * is checked for type, range and form, and anything that does not fit makes
 * the whole reply invalid, with a message saying which field. Fields this
 * launcher does not know are ignored, so a newer broker can add some.
 *
 * Pure C (json-c and the common library only, no GLib), so that the fuzz
 * target can link it without the GTK stack. A ready reply may carry a
 * virt-viewer connection file instead of (or before) its endpoints; the
 * common library's vv_file parser reads it. */
#ifndef BROKER_REPLY_PARSE_H
#define BROKER_REPLY_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define BROKER_REPLY_MAX	(1024 * 1024) /* whole body */
#define BROKER_REPLY_MAX_EP	16
#define BROKER_REPLY_TEXT_MAX	4096 /* message, screen_text */
#define BROKER_REPLY_CA_MAX	(64 * 1024)
#define BROKER_REPLY_RETRY_MAX	86400
#define BROKER_REPLY_QUEUE_MAX	100000 /* queue_position */
#define BROKER_REPLY_SECRET_MAX 255
/* The session token of a ready reply: a few dozen URL-safe characters. */
#define BROKER_REPLY_SESSION_MAX 128
/* A virt-viewer connection file in a ready reply ("connection_file"). */
#define BROKER_REPLY_VV_MAX (64 * 1024)
/* The usbredir filter that matches every device and refuses it. */
#define BROKER_REPLY_USB_NONE "-1,-1,-1,-1,0"
/* A "choose" reply: the user's desktops. */
#define BROKER_REPLY_MAX_DESKTOPS     32
#define BROKER_REPLY_DESKTOP_ID_MAX   64
#define BROKER_REPLY_DESKTOP_NAME_MAX 255

enum broker_status {
	BROKER_STATUS_READY,
	BROKER_STATUS_STARTING,
	BROKER_STATUS_MAINTENANCE,
	BROKER_STATUS_UNKNOWN,
	BROKER_STATUS_ERROR,
	BROKER_STATUS_OK,     /* the answer to a session report */
	BROKER_STATUS_CHOOSE, /* a login whose user has several desktops */
};

enum broker_protocol {
	BROKER_PROTO_SPICE,
	BROKER_PROTO_RDP,
	BROKER_PROTO_VNC,
	BROKER_PROTO_OTHER, /* a protocol this launcher does not know */
};

enum broker_login {
	BROKER_LOGIN_NONE,
	BROKER_LOGIN_BROKER,
};

struct broker_endpoint {
	enum broker_protocol protocol;
	char *protocol_name; /* as the broker spelled it */
	char *host;
	unsigned port;	   /* 0: absent */
	unsigned tls_port; /* 0: absent */
	char *password;	   /* secret: wiped by broker_reply_clear */
	char *ca;	   /* PEM text */
	char *host_subject;
	char *proxy;
};

struct broker_station {
	char *mac, *ip, *hostname, *name, *match;
};

struct broker_policy {
	enum broker_login login;
	bool autoconnect;
	bool sso;		 /* pass the broker login on to RDP desktops (default false) */
	char *usb_auto_redirect; /* NULL: the launcher's default */
	char *usb_deny;		 /* NULL: the launcher's default */
	char *screen_text;
	/* policy.session: the session limits in seconds, 0 when absent
	 * (max and idle: no limit; warning: the launcher's default). */
	unsigned max_seconds, idle_seconds, warning_seconds;
};

/* A desktop's state in a "choose" reply; a state this launcher does not
 * know is UNKNOWN. */
enum broker_desktop_state {
	BROKER_DESKTOP_UNKNOWN,
	BROKER_DESKTOP_RUNNING,
	BROKER_DESKTOP_OFF,
	BROKER_DESKTOP_STARTING,
};

/* One of the user's desktops in a "choose" reply. */
struct broker_desktop {
	char *id;   /* what the login sends back as "desktop" */
	char *name; /* the label shown; the id when the broker gave none */
	enum broker_desktop_state state;
};

struct broker_reply {
	enum broker_status status;
	char *message;
	char *error;	 /* error code of a 4xx reply ("login_failed", ...) */
	int retry_after; /* seconds; -1 when absent */
	/* A "starting" reply for a pool: the station's place among those
	 * waiting for it (1: the next ready VM is its own); 0 when absent. */
	unsigned queue_position;
	struct broker_station station;
	bool has_policy;
	struct broker_policy policy;
	struct broker_endpoint *endpoints;
	size_t n_endpoints;
	char *user;
	/* A ready reply's session token: the station's start and end reports
	 * carry it, so that the broker knows they come from the station that
	 * was given this desktop. A secret: wiped by broker_reply_clear. NULL
	 * when absent (an older broker). */
	char *session;
	/* A "choose" reply: at least one desktop (ids unique), and the one
	 * used last (one of the ids, else NULL). */
	struct broker_desktop *desktops;
	size_t n_desktops;
	char *last;
};

/* Parses len bytes at data (which need not be NUL-terminated). On success
 * out owns its strings (free with broker_reply_clear) and 0 is returned; on
 * failure out is left cleared, err holds a short reason and -1 is returned.
 * Secrets (endpoint passwords) are also wiped from json-c's copy. */
int broker_reply_parse(const char *data, size_t len, struct broker_reply *out, char *err,
		       size_t errlen);

/* Frees everything, wiping secrets first, and zeroes *r. Safe twice. */
void broker_reply_clear(struct broker_reply *r);

/* Deep copy of one endpoint into out (wipe with broker_endpoint_clear).
 * 0 or -1 (out of memory). */
int broker_endpoint_copy(const struct broker_endpoint *src, struct broker_endpoint *out);
void broker_endpoint_clear(struct broker_endpoint *e);

/* A virt-viewer connection file (tools/common/vv_file.h) applied to r: its
 * desktop becomes the first endpoint (before any the reply already has),
 * its usb-filter replaces the auto-redirect filter, enable-usbredir=0 or
 * enable-usb-autoshare=0 turn redirection off, and its title names the
 * station when the reply did not. *delete_this_file (may be NULL) tells
 * whether the file asked to be removed once read. 0, or -1 with err
 * ("vv file: KEY: reason") and r unchanged. */
int broker_reply_add_vv(struct broker_reply *r, const char *text, size_t len,
			bool *delete_this_file, char *err, size_t errlen);

const char *broker_status_name(enum broker_status s);
const char *broker_desktop_state_name(enum broker_desktop_state s);
const char *broker_protocol_name(enum broker_protocol p);

#endif
