/* unknown: stations that asked the broker but match no section. */
#include "stationctl_unknown.h"

#include <getopt.h>
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
	int ret =
	    stationctl_admin_request(socket_path, "GET", "/v1/admin/unknown", NULL, reply, quiet);

	if (ret)
		return ret;
	if (!json_object_object_get_ex(*reply, "unknown", list) ||
	    !json_object_is_type(*list, json_type_array)) {
		if (!quiet)
			stationctl_util_err("broker: /v1/admin/unknown: no \"unknown\" list in "
					    "the reply");
		json_object_put(*reply);
		*reply = NULL;
		return STATIONCTL_EXIT_BROKER;
	}
	return STATIONCTL_EXIT_OK;
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
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"no-header", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const header[] = {"MAC",	   "IP",	"HOSTNAME",
					     "FIRST_SEEN", "LAST_SEEN", "COUNT"};
	json_object *reply = NULL, *list = NULL;
	struct stationctl_table *t = NULL;
	int c, json = 0, no_header = 0, ret;

	while ((c = getopt_long(argc, argv, "jH", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'H')
			no_header = 1;
		else
			return stationctl_commands_usage_error(argv[0]);
	}
	if (optind < argc)
		return stationctl_commands_usage_error(argv[0]);
	ret = stationctl_unknown_fetch(ctx->admin_socket, &reply, &list, 0);
	if (ret)
		return ret;
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
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
