/* Directory logins: the LDAP client that checks a user's password against
 * OpenLDAP or Active Directory (settings: directory_conf.h).
 *
 * Each check runs on the login pool's thread: a directory that hangs holds
 * that thread for at most the time-out of each step, never a thread that
 * answers lookups. At most max_inflight checks talk to the directory at
 * once; beyond that a login is answered "unavailable, retry" at once
 * instead of waiting behind a hanging server. Connections are kept for
 * the next check (broker_directory_pool.h): searches on ones bound as the
 * service account, users' binds on others, at most max_inflight of each
 * idle, all closed with the settings they were made with.
 *
 * TLS: the CA file is the only trust anchor (the system's CAs are not
 * used), the certificate and the host name are verified, TLS 1.2 or newer.
 * Every value from the station is escaped (ldap_escape.h). An unknown user
 * costs the same bind round trip as a wrong password. Passwords are never
 * logged; the service account's password is wiped when it is freed. */
#ifndef BROKER_DIRECTORY_H
#define BROKER_DIRECTORY_H

#include "broker_login.h"
#include "directory_conf.h"

enum broker_directory_result {
	BROKER_DIRECTORY_OK,
	BROKER_DIRECTORY_FAILED,      /* wrong password or unknown user */
	BROKER_DIRECTORY_LOCKED,      /* locked, expired, disabled: who->reason */
	BROKER_DIRECTORY_UNAVAILABLE, /* down, TLS failure, time-out, too busy */
};

struct broker_directory;

/* Reads the settings file and the service account's password. NULL with
 * err on error. */
struct broker_directory *broker_directory_new(const char *path, char *err, size_t errlen);
void broker_directory_free(struct broker_directory *d);
const struct directory_conf *broker_directory_conf(const struct broker_directory *d);
/* Checks user and password. On OK who->user and who->groups are set; on
 * LOCKED who->reason (may be empty). who must be empty. */
enum broker_directory_result broker_directory_check(struct broker_directory *d, const char *user,
						    const char *password,
						    struct broker_login_who *who);
const char *broker_directory_result_name(enum broker_directory_result r);
/* Copies the printable ASCII of in (up to outlen - 1 bytes) into out, other
 * bytes as '?': the directory's text is shown to a stranger at a station
 * and written to the log. */
void broker_directory_sanitise(const char *in, char *out, size_t outlen);

#endif
