/* unknown: stations that asked the broker but match no section. */
#include "stationctl_unknown.h"

#include <stdio.h>
#include <string.h>

#include "netaddr.h"
#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_table.h"
#include "stationctl_util.h"

int stationctl_unknown_fetch(const char *socket_path, json_object **reply, json_object **list,
			     int quiet)
{
	return stationctl_admin_get_list(socket_path, "/v1/admin/unknown", "unknown", reply, list,
					 quiet);
}

json_object *stationctl_unknown_find(json_object *list, const uint8_t mac[6])
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *s = stationctl_admin_str(e, "mac");
		uint8_t m[6];

		if (s && mac_parse(s, m) == 0 && memcmp(m, mac, 6) == 0)
			return e;
	}
	return NULL;
}

int stationctl_unknown_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const char *const header[] = {"MAC",	   "IP",	"HOSTNAME",
					     "FIRST_SEEN", "LAST_SEEN", "COUNT"};
	json_object *reply = NULL, *list = NULL;
	struct stationctl_table *t = NULL;
	int json, no_header, ret;

	ret = stationctl_admin_list_opts(argc, argv, &json, &no_header);
	if (ret)
		return ret;
	ret = stationctl_unknown_fetch(ctx->admin_socket, &reply, &list, 0);
	if (ret)
		return ret;
	if (json) {
		stationctl_admin_print_json(reply);
		goto cleanup;
	}
	t = stationctl_table_new(sizeof(header) / sizeof(header[0]), header);
	if (!t)
		goto oom;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i), *v;
		char first[64], last[64], count[32] = "";
		const char *cells[6];

		stationctl_admin_time(e, "first_seen", first, sizeof(first));
		stationctl_admin_time(e, "last_seen", last, sizeof(last));
		if (json_object_object_get_ex(e, "count", &v) &&
		    json_object_is_type(v, json_type_int))
			snprintf(count, sizeof(count), "%lld", (long long)json_object_get_int64(v));
		cells[0] = stationctl_admin_str(e, "mac");
		cells[1] = stationctl_admin_str(e, "ip");
		cells[2] = stationctl_admin_str(e, "hostname");
		cells[3] = first;
		cells[4] = last;
		cells[5] = count;
		if (stationctl_table_add(t, cells) < 0)
			goto oom;
	}
	stationctl_table_print(t, stdout, no_header);
	goto cleanup;
oom:
	stationctl_util_err("out of memory");
	ret = STATIONCTL_EXIT_IO;
cleanup:
	stationctl_table_free(t);
	json_object_put(reply);
	return ret;
}
