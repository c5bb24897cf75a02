/* Shared between the stations_*.c files only. */
#ifndef VDI_STATIONS_INTERNAL_H
#define VDI_STATIONS_INTERNAL_H

#include <stdint.h>

#include "stations.h"

enum st_line_kind { ST_L_BLANK, ST_L_COMMENT, ST_L_SECTION, ST_L_KV, ST_L_BAD };

/* A million-section file has several million lines: a line is kept in 32
 * bytes, its text in the document's copy of the file until an edit replaces
 * it, and its value inside that text when the value is the text's tail (the
 * usual unquoted "key = value"). */
struct st_line {
	char *text;	   /* the line as written, without its newline */
	const char *value; /* ST_L_KV: decoded value */
	int32_t section;   /* index into sections, -1 before the first header */
	int8_t key;	   /* ST_L_KV: enum st_key, or -1 for an unknown key */
	uint8_t kind;	   /* enum st_line_kind */
	bool bad;	   /* the classifier found an error on this line */
	bool bad_raw;	   /* NUL byte or over-long line (its text was dropped) */
	bool text_own;	   /* text is malloc'd, not in the document's buffer */
	bool value_own;	   /* value is malloc'd, not in text */
};

struct st_section {
	struct st_match t; /* t.text is malloc'd, NULL when not valid */
	size_t line;	   /* index of the header line */
	bool valid;	   /* header parsed */
};

struct st_doc {
	char filename[256];
	char *buf; /* the file as read, each line NUL-terminated in place */
	struct st_line *lines;
	size_t n, cap;
	struct st_section *secs;
	size_t nsec, seccap;
};

/* Lines with syntax or value errors, derived from the lines themselves so
 * that edits which fix or remove a bad line are counted right without a
 * re-parse. */
size_t st_doc_error_count(const struct st_doc *doc);

/* t's fields into m, its text pointing at text. */
void st_match_from(struct st_match *m, const struct st_target *t, const char *text);

void st_diag_add(struct st_diags *d, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Decodes a raw value (trimmed; "quoted" with escapes). Returns a malloc'd
 * string or NULL with err. */
char *st_value_decode(const char *raw, char *err, size_t errlen);
/* The text to write after "key = " so that decoding gives value back. */
char *st_value_encode(const char *value);
int st_bool_parse(const char *s, bool *out);
/* proto://host[:port] → fills the endpoint's protocol, host (malloc'd into
 * *host) and port. */
int st_fallback_parse(const char *s, enum st_protocol *proto, char *host, size_t hostlen,
		      unsigned *port, char *err, size_t errlen);
unsigned st_default_port(enum st_protocol p);
bool st_group_name_valid(const char *s); /* group and pool names */
int st_port_parse(const char *s, unsigned *port);
bool st_host_valid(const char *s); /* a host name or an IP address */

/* The value checks of the key table's rows (stations_values.c), with the
 * signature st_key_check_fn of stations_keys.h. */
struct st_keydef;
int st_check_clean_text(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_group_name(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_pool_name(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_domain_name(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_enum(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_bool(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_number(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_port(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_host(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_proxy(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_connection_url(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_libvirt_uri(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_endpoint(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_pool_path(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_usb_filter(const struct st_keydef *k, const char *v, char *err, size_t errlen);
int st_check_desktop_list(const struct st_keydef *k, const char *v, char *err, size_t errlen);
/* The next name of a desktops list from *p, trimmed, into out (at most
 * outlen - 1 bytes); *p moves past it and its comma. false at the end. */
bool st_desktop_list_next(const char **p, char *out, size_t outlen);
/* [user:NAME] and [usergroup:NAME] names: a user name as the users file
 * takes it (A-Z a-z 0-9 . _ @ -), and for directory groups also blanks
 * inside ("Domain Users"). */
bool st_user_name_valid(const char *s, bool group);

#endif
