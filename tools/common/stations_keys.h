/* The stations file's keys, one table row each (stations_keys.c).
 *
 * A row says everything about a key that is not behaviour: its name and
 * type, its limits, its default, where it may be written, how a station
 * inherits it, how its value is checked, the field of the broker's reply
 * policy it fills, a one-line help and its rows in docs/configuration.md.
 * The parser, the validator, `stationctl keys` and the help of add and
 * set, the broker's reply policy and the documentation all read it; the web
 * console builds its forms from it. */
#ifndef VDI_STATIONS_KEYS_H
#define VDI_STATIONS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "stations.h"

/* Limits: named here, used by the rows and, where behaviour needs them, by
 * the code. Lengths are bytes of the decoded value. */
#define ST_NAME_MAX	     63	  /* name */
#define ST_GROUP_NAME_MAX    63	  /* group and pool names */
#define ST_PASSWORD_MAX	     255  /* password */
#define ST_CA_PATH_MAX	     4095 /* ca */
#define ST_PATH_MAX	     1024 /* connection_file, connection_auth, pool paths */
#define ST_HOST_SUBJECT_MAX  1024
#define ST_PROXY_MAX	     512
#define ST_USB_FILTER_MAX    1024 /* usb_redirect, usb_deny */
#define ST_PORT_MIN	     1
#define ST_PORT_MAX	     65535
#define ST_POOL_SIZE_DEFAULT 1
#define ST_POOL_IDLE_MIN     1
#define ST_DESKTOPS_MAX	     32	  /* names in one desktops key */
#define ST_DESKTOPS_LEN_MAX  2048 /* desktops */

/* What kind of value a key takes: says which checks apply and what a form
 * shows for it. */
enum st_key_type {
	ST_TYPE_TEXT,	    /* any UTF-8 text without control characters */
	ST_TYPE_NAME,	    /* an identifier: group, pool or domain name */
	ST_TYPE_ENUM,	    /* one of choices */
	ST_TYPE_BOOL,	    /* yes/no, true/false, on/off, 1/0 */
	ST_TYPE_INT,	    /* a decimal number from min to max */
	ST_TYPE_DURATION,   /* seconds, from min to max */
	ST_TYPE_PORT,	    /* a TCP port, min to max */
	ST_TYPE_HOST,	    /* a host name or an IP address */
	ST_TYPE_URL,	    /* a URL (or a libvirt URI) */
	ST_TYPE_ENDPOINT,   /* protocol://host[:port] */
	ST_TYPE_PATH,	    /* a file, relative to the stations file's folder */
	ST_TYPE_USB_FILTER, /* a usbredir filter, as usb_filter_parse() reads it */
};

/* Where a key may be written. A station section is any MATCH that is not a
 * group or a pool: MAC, IP, CIDR, host name glob, default. */
enum st_key_scope {
	ST_SCOPE_STATION = 1u << 0,
	ST_SCOPE_GROUP = 1u << 1,
	ST_SCOPE_POOL = 1u << 2,
	ST_SCOPE_DESKTOP = 1u << 3, /* [desktop:NAME] */
	ST_SCOPE_USER = 1u << 4,    /* [user:NAME] and [usergroup:NAME] */
};
#define ST_SCOPE_MAPPING (ST_SCOPE_STATION | ST_SCOPE_GROUP)

/* How a station section gets a key it does not write itself. */
enum st_key_inherit {
	ST_INHERIT_NONE,  /* never: only the section's own value (or the built-in) */
	ST_INHERIT_GROUP, /* from its group's section, unless it sets the key */
	ST_INHERIT_LIST,  /* a list, repeatable: its own lines replace the group's list */
};

/* A key's row in one of docs/configuration.md's key tables. NULL values
 * are made from the row: values from the type and the limits, default
 * from required or def ("(none)" without either). */
struct st_key_doc {
	const char *values;
	const char *def;
	const char *meaning;
};

struct st_keydef;
/* Checks one value beyond what every key gets (not empty, UTF-8 without
 * control characters, at most max bytes for the length-limited types).
 * 0, or -1 with err naming the key. */
typedef int (*st_key_check_fn)(const struct st_keydef *k, const char *v, char *err, size_t errlen);

struct st_keydef {
	const char *name;
	enum st_key_type type;
	unsigned scopes;   /* enum st_key_scope bits */
	unsigned required; /* the scopes whose sections must set it */
	enum st_key_inherit inherit;
	/* Numbers (INT, DURATION, PORT): the range. Others: max is the
	 * longest value in bytes, 0 for none beyond the line's. */
	long min, max;
	unsigned max_lines;	    /* ST_INHERIT_LIST: lines in one section */
	const char *const *choices; /* ST_TYPE_ENUM: NULL-terminated */
	/* The value when nothing sets the key. With builtin, it is the
	 * entry's effective value (stationctl show: "built-in default");
	 * without, the code that uses the key assumes it. NULL: none. */
	const char *def;
	bool builtin;
	bool multiline; /* the value may hold line breaks */
	bool secret;	/* shown as ******** */
	st_key_check_fn check;
	/* The member of the lookup answer's "policy" object this key
	 * fills, as a path ("usb.auto_redirect": one level of nesting), and
	 * its position there (1, 2, ...); NULL when it is not in the
	 * policy. */
	const char *policy;
	unsigned policy_pos;
	const char *help;	    /* one line, for stationctl keys */
	struct st_key_doc doc;	    /* station and group sections */
	struct st_key_doc pool_doc; /* [pool:NAME]; meaning NULL: doc's */
};

/* The row of key; never NULL for a valid enum st_key. */
const struct st_keydef *st_keydef(enum st_key key);
const char *st_key_type_name(enum st_key_type type);
/* A checked ST_TYPE_BOOL value as a bool; NULL is false. */
bool st_value_bool(const char *v);

/* Prints docs/configuration.md's key table for one scope (ST_SCOPE_MAPPING,
 * ST_SCOPE_POOL or ST_SCOPE_USER): a header and one row per key that may be written
 * there, in table order. */
void st_keys_markdown(FILE *out, unsigned scope);
/* The values cell of a key's doc row, for one scope. */
void st_keys_doc_values(const struct st_keydef *k, unsigned scope, char *out, size_t len);

#endif
