/* Client of the broker's admin interface: HTTP + JSON over the unix socket
 * (its file permissions are the authentication). URLs are
 * http://localhost/v1/admin/...; docs/protocol.md describes the API. */
#ifndef VDI_STATIONCTL_ADMIN_H
#define VDI_STATIONCTL_ADMIN_H

#include <json-c/json.h>

/* Replies larger than this are refused (a status list of 100,000 stations
 * is well under it). */
#define STATIONCTL_ADMIN_REPLY_MAX (64u * 1024 * 1024)

/* Sends method (GET or POST, body may be NULL) to path ("/v1/admin/...")
 * and parses the JSON reply into *reply (caller puts it). Returns an exit
 * code: STATIONCTL_EXIT_BROKER when the socket cannot be reached or the
 * reply is not JSON, STATIONCTL_EXIT_NOTFOUND for HTTP 404,
 * STATIONCTL_EXIT_INVALID for other HTTP errors. Prints the reason unless
 * quiet. */
int stationctl_admin_request(const char *socket_path, const char *method, const char *path,
			     const char *body, json_object **reply, int quiet);

/* The same, and also for HTTP errors: *status is the HTTP status (0 when
 * there was no answer) and *reply the JSON object of an error answer too
 * (NULL when it had none), for commands whose errors carry details. */
int stationctl_admin_request_status(const char *socket_path, const char *method, const char *path,
				    const char *body, json_object **reply, long *status, int quiet);

/* GET path and take its array member key into *list (borrowed from *reply,
 * which the caller puts). A reply without that array is a broker error
 * (STATIONCTL_EXIT_BROKER, *reply freed). Prints the reason unless quiet. */
int stationctl_admin_get_list(const char *socket_path, const char *path, const char *key,
			      json_object **reply, json_object **list, int quiet);

/* The options shared by the commands that print a broker list: -j/--json
 * (the reply as the broker sent it) and -H/--no-header. Returns 0, or the
 * usage exit code after printing the usage error. */
int stationctl_admin_list_opts(int argc, char **argv, int *json, int *no_header);
/* Prints reply as pretty JSON, with the characters a terminal would act on
 * escaped as \uXXXX (the C1 controls, U+2028 and U+2029). */
void stationctl_admin_print_json(json_object *reply);

/* The string member key of obj, or NULL when absent or not a string. */
const char *stationctl_admin_str(json_object *obj, const char *key);
/* A time member as text: strings (the broker sends RFC 3339) print as sent;
 * numbers are taken as Unix seconds and print as local YYYY-MM-DDTHH:MM:SS,
 * one word either way, for column output. "" when absent. */
void stationctl_admin_time(json_object *obj, const char *key, char *out, size_t outlen);

#endif
