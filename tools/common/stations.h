/* The stations file: which desktop each station gets.
 *
 * Two layers. A st_doc is the file as its lines, so that stationctl can edit
 * one value and keep every other line and comment as the admin wrote it. A
 * st_config is the validated, inherited and indexed form the broker answers
 * from; it is immutable once built, so the broker can swap it on reload while
 * requests still read the old one.
 *
 * Format (docs/configuration.md is the reference):
 *
 *   # comment (a line whose first non-blank character is '#' or ';')
 *   [group:lab]              a group; members inherit its keys
 *   protocol = spice
 *   host = 10.0.0.5
 *
 *   [52:54:00:12:34:56]      a station section; the header is its MATCH:
 *   group = lab              MAC, IP, CIDR, host name glob, or "default"
 *   port = 5901
 *   fallback = vnc://10.0.0.5:5901
 *
 * A value is the rest of the line, trimmed, or a "double-quoted" string with
 * \" \\ \n \t escapes when it needs leading/trailing blanks or a newline. */
#ifndef VDI_STATIONS_H
#define VDI_STATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netaddr.h"

#define ST_FILE_MAX	(64u * 1024 * 1024) /* whole stations file */
#define ST_LINE_MAX	8192
#define ST_TARGET_MAX	264
#define ST_FALLBACK_MAX 8
#define ST_MESSAGE_MAX	2000
#define ST_CA_MAX	(64u * 1024)
#define ST_URL_MAX	2048

/* What a section header names. Precedence for matching, most specific first:
 * MAC, exact IP, CIDR (longest prefix), host name glob (most literal
 * characters, then first in file), default. */
enum st_kind {
	ST_MAC,
	ST_IP,
	ST_CIDR,
	ST_GLOB,
	ST_DEFAULT,
	ST_GROUP,
	ST_POOL,
	/* Never a station's match: a named desktop, and the desktops of a
	 * user or of a directory group (stations_user.h). */
	ST_DESKTOP,
	ST_USER,
	ST_USERGROUP
};

struct st_target {
	enum st_kind kind;
	uint8_t mac[6];		  /* ST_MAC */
	struct ipaddr ip;	  /* ST_IP, ST_CIDR (network) */
	unsigned prefix;	  /* ST_CIDR, in the 128-bit space */
	char text[ST_TARGET_MAX]; /* canonical form, as written back to the file */
};

/* Parses a MATCH as given on the command line or in a header: a MAC, an IP,
 * a CIDR, a host name glob, "default", "group:NAME", "pool:NAME",
 * "desktop:NAME", "user:NAME" or "usergroup:NAME" (user and group names
 * lower-cased: logins compare them without case). 0 or -1
 * with err. */
int st_target_parse(const char *s, struct st_target *t, char *err, size_t errlen);
const char *st_kind_name(enum st_kind kind); /* "mac", "ip", "cidr", ... */

/* A header as a config (and a document's section table) keeps it: the same
 * fields as a st_target, but the canonical text stored once elsewhere, so
 * that a million sections do not each carry a 264-byte buffer. */
struct st_match {
	const char *text; /* canonical form, as written back to the file */
	struct ipaddr ip; /* ST_IP, ST_CIDR (network) */
	enum st_kind kind;
	uint8_t prefix; /* ST_CIDR, in the 128-bit space */
	uint8_t mac[6]; /* ST_MAC */
};
/* The st_target form of m, for the document edits. */
void st_match_target(const struct st_match *m, struct st_target *t);

/* The keys, in the order stationctl shows them. Everything about a key but
 * its behaviour is its row in the key table (stations_keys.c, which says
 * how to add one). */
enum st_key {
	ST_KEY_NAME,
	ST_KEY_GROUP,
	ST_KEY_PROTOCOL,
	ST_KEY_HOST,
	ST_KEY_PORT,
	ST_KEY_TLS_PORT,
	ST_KEY_PASSWORD,
	ST_KEY_CA,
	ST_KEY_HOST_SUBJECT,
	ST_KEY_PROXY,
	ST_KEY_FALLBACK,
	ST_KEY_LOGIN,
	ST_KEY_AUTOCONNECT,
	ST_KEY_USB_REDIRECT,
	ST_KEY_USB_DENY,
	ST_KEY_MAINTENANCE,
	ST_KEY_MESSAGE,
	ST_KEY_WAIT_READY,
	ST_KEY_SSO,
	/* A virt-viewer connection file instead of host/protocol, read from a
	 * file or fetched from a URL at each lookup (one-shot tickets). */
	ST_KEY_CONNECTION_FILE,
	ST_KEY_CONNECTION_URL,
	ST_KEY_CONNECTION_AUTH,	  /* file: its one line is the Authorization header */
	ST_KEY_CONNECTION_METHOD, /* get | post */
	/* A desktop that is a libvirt domain, instead of host and port. */
	ST_KEY_LIBVIRT_URI,
	ST_KEY_DOMAIN,
	ST_KEY_DOMAIN_PASSWORD,
	/* The address stations use for a domain's or a pool's display, when
	 * the one in the domain XML is not one they can reach. */
	ST_KEY_DISPLAY_HOST,
	/* Pools of one-time desktops: `pool = NAME` in a mapping, the rest
	 * only in a [pool:NAME] section. */
	ST_KEY_POOL,
	ST_KEY_TEMPLATE,
	ST_KEY_BASE_IMAGE,
	ST_KEY_OVERLAY_DIR,
	ST_KEY_SIZE,
	ST_KEY_MAX,
	ST_KEY_IDLE_TIMEOUT,
	/* A pool of personal desktops: each user's own persistent VM. */
	ST_KEY_PERSONAL,
	/* A one-time VM outlives a viewer disconnect for this long. */
	ST_KEY_RECONNECT_GRACE,
	/* Session limits for self-service terminals: a mapping's, else its
	 * pool's; the station enforces them (policy.session). */
	ST_KEY_MAX_SESSION,
	ST_KEY_IDLE_LOGOUT,
	ST_KEY_LIMIT_WARNING,
	/* Desktops chosen by the user: a mapping's desktop_from, and the
	 * desktop list of a [user:NAME] or [usergroup:NAME] section. */
	ST_KEY_DESKTOP_FROM,
	ST_KEY_DESKTOPS,
	ST_KEY__COUNT
};

const char *st_key_name(enum st_key key);
int st_key_lookup(const char *name); /* enum st_key, or -1 */
/* Checks one value for one key (syntax only; group existence and the ca file
 * are checked when a config is built): the checks every key gets, then its
 * row's own. 0 or -1 with err. */
int st_value_check(enum st_key key, const char *value, char *err, size_t errlen);
/* Whether a key may be written in a section of this kind, as its row's
 * scopes say: a pool section takes only the pool keys, the pool-only keys
 * belong in pool sections, and a group is in no group. 0 or -1 with err. */
int st_key_allowed(enum st_kind kind, enum st_key key, char *err, size_t errlen);

/* Diagnostics, printed as "file:line: message". line 0 means the whole file.
 * n counts every error; only the first ST_DIAGS_KEPT are kept in v, so a
 * file with a million errors does not hold a million records (callers show
 * a few and the count). */
#define ST_DIAGS_KEPT 1000
struct st_diag {
	unsigned line;
	char msg[320];
};
struct st_diags {
	char file[256];
	struct st_diag *v; /* the first min(n, ST_DIAGS_KEPT) */
	size_t n, cap;
};
void st_diags_free(struct st_diags *d);
/* The kept diagnostics, then "N more errors" when some were not kept. */
void st_diags_print(const struct st_diags *d, FILE *out);

/* ---- Document layer (lines kept for minimal edits) ---- */

struct st_doc;

/* Never NULL except on out-of-memory: syntax errors (and bad values) are
 * reported in d and the lines are still kept; st_config_build then refuses the
 * document without repeating them. */
struct st_doc *st_doc_parse(const char *text, size_t len, const char *filename, struct st_diags *d);
/* Reads path (capped at ST_FILE_MAX) and parses it. A missing file gives an
 * empty document when missing_ok. 0, or -1 with d explaining. */
int st_doc_load(const char *path, bool missing_ok, struct st_doc **out, struct st_diags *d);
void st_doc_free(struct st_doc *doc);
/* The file text, NUL-terminated; caller frees. */
char *st_doc_serialize(const struct st_doc *doc, size_t *len);

/* Edits take "key=value" strings, the command-line form. They validate each
 * key and value; a failed edit leaves the document as it was.
 *  add: a new section (error if it exists), appended at the end.
 *  set: changes keys of an existing section in place; "key=" removes a key.
 *       fallback=... values given together replace all fallback lines.
 *  del: removes the section with its attached comment lines. */
int st_doc_add(struct st_doc *doc, const struct st_target *t, char *const *kvs, size_t n, char *err,
	       size_t errlen);
int st_doc_set(struct st_doc *doc, const struct st_target *t, char *const *kvs, size_t n, char *err,
	       size_t errlen);
int st_doc_del(struct st_doc *doc, const struct st_target *t, char *err, size_t errlen);
bool st_doc_has(const struct st_doc *doc, const struct st_target *t);

/* ---- Config layer (validated, inherited, indexed) ---- */

enum st_protocol { ST_PROTO_SPICE, ST_PROTO_RDP, ST_PROTO_VNC };
const char *st_protocol_name(enum st_protocol p);

struct st_endpoint {
	enum st_protocol protocol;
	const char *host;
	unsigned port;		  /* 0 when only tls_port is set */
	unsigned tls_port;	  /* 0 when absent */
	const char *password;	  /* NULL when absent */
	const char *ca_pem;	  /* PEM text read from the ca file, or NULL */
	const char *host_subject; /* NULL when absent */
	const char *proxy;	  /* NULL when absent */
};

/* Where an effective value came from, for `stationctl show`. */
struct st_origin {
	const char *section; /* "52:54:00:12:34:56", "group:lab", or NULL for built-in */
	unsigned line;
};

/* A pool of one-time desktops ([pool:NAME]): the broker keeps `size` clean
 * VMs made from template + an overlay of base_image running, at most `max`
 * in all, and gives each to one station only. */
struct st_pool {
	const char *name;	  /* NAME, without "pool:" */
	const char *libvirt_uri;  /* never NULL */
	const char *display_host; /* NULL: from the VM's domain XML */
	const char *template_xml; /* absolute path of the domain XML template */
	const char *base_image;	  /* absolute path */
	const char *overlay_dir;  /* absolute path */
	unsigned size, max;
	unsigned idle_timeout; /* seconds */
	enum st_protocol protocol;
	bool maintenance;
	bool personal; /* each user's own persistent VM (broker_pool_personal.c) */
	/* seconds a one-time VM outlives a viewer disconnect; 0: not at all */
	unsigned reconnect_grace;
	const char *message; /* NULL when unset */
	unsigned line;	     /* of the section header */
};

struct st_entry {
	struct st_match target;
	unsigned line;	/* of the section header */
	uint32_t index; /* position among entries, stable for one config */

	/* Effective values after inheritance (station, then its group, then
	 * built-in defaults); NULL when unset. For fallback, the first one;
	 * all of them are in fallbacks. Where each came from is not stored
	 * per key: st_entry_origin() works it out from the keys the section
	 * wrote itself and its group's. */
	const char *values[ST_KEY__COUNT];
	const char *const *fallbacks; /* shared with the group when inherited */
	unsigned n_fallbacks;
	uint64_t own_keys;	      /* bit k: this section writes key k */
	const unsigned *own_lines;    /* their lines, in key order */
	const struct st_entry *group; /* the [group:NAME] it is in, or NULL */

	/* Typed views of the same values. endpoints[0] is the primary; the
	 * fallbacks follow in file order. Empty for groups and for stations
	 * in maintenance that name no host. */
	const struct st_endpoint *endpoints;
	size_t n_endpoints;
	const char *name;	  /* NULL when unset */
	const char *message;	  /* NULL when unset */
	const char *usb_redirect; /* never NULL: built-in default filter */
	const char *usb_deny;	  /* never NULL: built-in default filter */
	bool login_broker;
	bool autoconnect;
	bool maintenance;
	/* Answer "starting" until the primary endpoint accepts TCP connections. */
	bool wait_ready;
	/* Pass the broker login on to RDP desktops (single sign-on). */
	bool sso;
	/* Where the desktop's virt-viewer connection file comes from, when the
	 * mapping has one instead of a host: a path (made absolute against the
	 * stations file's folder) or an https:// URL, both read at each lookup.
	 * NULL when unset; endpoints then holds only the fallbacks. */
	const char *connection_file;
	const char *connection_url;
	const char *connection_auth; /* absolute path, or NULL */
	/* With connection_url, the ca key's PEM is what the URL's HTTPS server
	 * must chain to (the desktop's own CA comes in the file); NULL: the
	 * system's CA store. */
	const char *connection_ca_pem;
	bool connection_post;
	/* The primary desktop is this libvirt domain (NULL: host and port);
	 * its address, port and password are found at lookup time. */
	const char *domain;
	const char *libvirt_uri;   /* never NULL when domain is set */
	const char *display_host;  /* NULL: the address from the domain XML */
	const char *domain_ca_pem; /* the ca file's text, for that desktop (or a pool's) */
	bool domain_one_time;	   /* hand out a one-time graphics password */
	/* A [pool:NAME] section: its description. A mapping with `pool =
	 * NAME`: the pool it takes a desktop from (the mapping is in
	 * maintenance, with the pool's message, while the pool is). NULL
	 * otherwise. */
	const struct st_pool *pool;
	/* A mapping with `pool = NAME`: that [pool:NAME] section, where the
	 * session limits it does not set come from. NULL otherwise. */
	const struct st_entry *pool_entry;
	/* desktop_from = user: after a login the desktop is the user's
	 * (stations_user.h). */
	bool desktop_from_user;
	/* [user:NAME] and [usergroup:NAME]: the [desktop:NAME] entries its
	 * desktops key names, in its order, without duplicates. */
	const struct st_entry *const *desktops;
	size_t n_desktops;
};

#define ST_LIBVIRT_URI_DEFAULT "qemu:///system"
#define ST_LIBVIRT_URI_MAX     500
#define ST_DOMAIN_MAX	       200
#define ST_POOL_MAX_VMS	       1000 /* size and max */
#define ST_POOL_IDLE_DEFAULT   300
#define ST_POOL_IDLE_MAX       86400
#define ST_POOL_GRACE_MAX      3600
/* Session limits (max_session, idle_logout, limit_warning), in seconds. */
#define ST_SESSION_MAX_MAX	 604800 /* a week */
#define ST_SESSION_IDLE_MAX	 86400
#define ST_LIMIT_WARNING_MIN	 5
#define ST_LIMIT_WARNING_MAX	 3600
#define ST_LIMIT_WARNING_DEFAULT 60

struct st_config;

/* Validates everything (syntax errors already in doc count too), resolves
 * groups, reads ca files relative to base_dir, builds the indexes. NULL when
 * there is any error; d then lists every error, not just the first. */
struct st_config *st_config_build(const struct st_doc *doc, const char *base_dir,
				  struct st_diags *d);
void st_config_free(struct st_config *cfg);

/* The most specific station section for this identity; any argument may be
 * NULL. Cost does not grow with the number of MAC/IP/CIDR mappings. NULL when
 * nothing matches (an unknown station). Never returns a group or a pool. */
const struct st_entry *st_config_match(const struct st_config *cfg, const uint8_t *mac,
				       const struct ipaddr *ip, const char *hostname);
/* The section with exactly this header (groups and pools included), or
 * NULL. */
const struct st_entry *st_config_find(const struct st_config *cfg, const struct st_target *t);
size_t st_config_count(const struct st_config *cfg);
/* The [usergroup:NAME] entries' numbers, in file order (stations_user.c
 * walks them for each login). */
size_t st_config_usergroups(const struct st_config *cfg, const uint32_t **idx);
const struct st_entry *st_config_entry(const struct st_config *cfg, size_t i);
/* Where e's value of key came from (for fallback: its first one). */
struct st_origin st_entry_origin(const struct st_entry *e, enum st_key key);

/* Built-in USB policy: redirect storage, still-image (scanners, cameras) and
 * video devices; never HID. Filters use the usbredir rule syntax
 * "class,vendor,product,version,allow|..." that spice-gtk takes. */
#define ST_USB_REDIRECT_DEFAULT                                                                    \
	"0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|0x0e,-1,-1,-1,1|-1,-1,-1,-1,0"
#define ST_USB_DENY_DEFAULT "0x03,-1,-1,-1,0|-1,-1,-1,-1,1"

#endif
