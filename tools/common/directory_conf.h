/* The directory settings file: how the broker checks logins against LDAP
 * or Active Directory (docs/configuration.md, "Directory logins").
 *
 *   # comment
 *   key = value
 *
 * One parser for every reader (the broker, stationctl). Unknown keys,
 * repeated single keys and unsafe combinations are errors with file:line,
 * so that a typo never quietly weakens a login check. */
#ifndef VDI_DIRECTORY_CONF_H
#define VDI_DIRECTORY_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define DIRECTORY_MAX_URIS     8
#define DIRECTORY_MAX_BACKENDS 2
#define DIRECTORY_PASSWORD_MAX 256

enum directory_flavour {
	DIRECTORY_OPENLDAP,
	DIRECTORY_AD,
};

enum directory_backend {
	DIRECTORY_BACKEND_DIRECTORY,
	DIRECTORY_BACKEND_LOCAL, /* the broker's --users file */
};

struct directory_conf {
	enum directory_backend backends[DIRECTORY_MAX_BACKENDS];
	size_t n_backends;
	char *uris[DIRECTORY_MAX_URIS];
	size_t n_uris;
	bool starttls;
	char *ca; /* PEM file: the only CA trusted */
	char *bind_dn;
	char *bind_password_file;
	char *base;
	char *user_filter; /* with %u; NULL when user_dn is used */
	char *user_dn;	   /* DN template with %u */
	char *user_name_attr;
	char *group_attr; /* on the user's entry (memberOf) */
	char *group_base;
	char *group_filter; /* %d user DN, %u user name */
	char *group_name_attr;
	enum directory_flavour flavour;
	bool ppolicy;
	unsigned timeout; /* seconds, connect and each operation */
	unsigned max_inflight;
};

/* Reads and checks path. Returns 0, or -1 with "path:line: why" in err. */
int directory_conf_load(const char *path, struct directory_conf *c, char *err, size_t errlen);
void directory_conf_free(struct directory_conf *c);
/* Reads the service account's password (first line, no newline) into out.
 * Returns its length or -1 with err. The caller wipes out. */
int directory_conf_read_password(const struct directory_conf *c, char *out, size_t outlen,
				 char *err, size_t errlen);
/* True when the URI's host is a loopback name or address. */
bool directory_conf_uri_loopback(const char *uri);

#endif
