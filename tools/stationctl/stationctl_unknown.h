/* The broker's list of unknown stations (GET /v1/admin/unknown), shared by
 * `unknown` and `adopt`. */
#ifndef VDI_STATIONCTL_UNKNOWN_H
#define VDI_STATIONCTL_UNKNOWN_H

#include <stdint.h>

#include <json-c/json.h>

/* Fetches the list. *reply holds the whole answer (caller puts it) and
 * *list its "unknown" array. Returns an exit code (printed unless quiet). */
int stationctl_unknown_fetch(const char *socket_path, json_object **reply, json_object **list,
			     int quiet);
/* The entry of list whose "mac" is mac, or NULL. */
json_object *stationctl_unknown_find(json_object *list, const uint8_t mac[6]);

#endif
