/* status: the stations the broker has seen and what they are doing. */
#include <stdbool.h>
#include <stdio.h>

#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_table.h"
#include "stationctl_util.h"

/* The endpoint as text: the broker may send "proto://host:port" or an
 * object with protocol, host and port. */
static void stationctl_status_endpoint(json_object *e, char *out, size_t outlen)
{
	json_object *v, *port;
	const char *s = stationctl_admin_str(e, "endpoint");

	out[0] = '\0';
	if (s) {
		snprintf(out, outlen, "%s", s);
		return;
	}
	if (!json_object_object_get_ex(e, "endpoint", &v) ||
	    !json_object_is_type(v, json_type_object))
		return;
	if (json_object_object_get_ex(v, "port", &port) && json_object_is_type(port, json_type_int))
		snprintf(out, outlen, "%s://%s:%lld",
			 stationctl_admin_str(v, "protocol") ? stationctl_admin_str(v, "protocol")
							     : "?",
			 stationctl_admin_str(v, "host") ? stationctl_admin_str(v, "host") : "?",
			 (long long)json_object_get_int64(port));
}

/* The pools' VMs and the station holding each (GET /v1/admin/pools), after
 * the stations, in the same style. Nothing when the broker has no VMs or
 * does not know pools. 0, or -1 when out of memory. */
static int stationctl_status_pools(const struct stationctl_ctx *ctx, int no_header)
{
	static const char *const header[] = {"POOL",	 "VM",	      "STATE",	   "STATION",
					     "ASSIGNED", "CONNECTED", "VIEWER_IN", "CREATED"};
	json_object *reply = NULL, *vms = NULL;
	struct stationctl_table *t = NULL;
	int ret = 0;

	if (stationctl_admin_get_list(ctx->admin_socket, "/v1/admin/pools", "vms", &reply, &vms,
				      1) != STATIONCTL_EXIT_OK)
		return 0;
	if (json_object_array_length(vms) == 0)
		goto cleanup;
	t = stationctl_table_new(sizeof(header) / sizeof(header[0]), header);
	if (!t)
		goto oom;
	for (size_t i = 0; i < json_object_array_length(vms); i++) {
		json_object *vm = json_object_array_get_idx(vms, i), *v;
		char assigned[64], created[64];
		const char *cells[8];
		bool held = stationctl_admin_str(vm, "station") != NULL;

		stationctl_admin_time(vm, "assigned", assigned, sizeof(assigned));
		stationctl_admin_time(vm, "created", created, sizeof(created));
		cells[0] = stationctl_admin_str(vm, "pool");
		cells[1] = stationctl_admin_str(vm, "name");
		cells[2] = stationctl_admin_str(vm, "state");
		cells[3] = stationctl_admin_str(vm, "station");
		cells[4] = assigned;
		cells[5] =
		    !held ? NULL
		    : json_object_object_get_ex(vm, "connected", &v) && json_object_get_boolean(v)
			? "yes"
			: "no";
		cells[6] =
		    !held ? NULL
		    : json_object_object_get_ex(vm, "viewer_in", &v) && json_object_get_boolean(v)
			? "yes"
			: "no";
		cells[7] = created;
		if (stationctl_table_add(t, cells) < 0)
			goto oom;
	}
	if (!no_header)
		fputc('\n', stdout);
	stationctl_table_print(t, stdout, no_header);
	goto cleanup;
oom:
	ret = -1;
cleanup:
	stationctl_table_free(t);
	json_object_put(reply);
	return ret;
}

int stationctl_status_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const char *const header[] = {"MAC",	 "IP",	 "HOSTNAME", "MATCH",	  "STATE",
					     "ENDPOINT", "USER", "SINCE",    "LAST_SEEN", "NAME"};
	json_object *reply = NULL, *list = NULL;
	struct stationctl_table *t = NULL;
	int json, no_header, ret;

	ret = stationctl_admin_list_opts(argc, argv, &json, &no_header);
	if (ret)
		return ret;
	ret = stationctl_admin_get_list(ctx->admin_socket, "/v1/admin/stations", "stations", &reply,
					&list, 0);
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
		json_object *e = json_object_array_get_idx(list, i);
		char since[64], last[64], endpoint[400], user[4 * 64 + 8];
		const char *cells[10];

		stationctl_admin_time(e, "since", since, sizeof(since));
		stationctl_admin_time(e, "last_seen", last, sizeof(last));
		stationctl_status_endpoint(e, endpoint, sizeof(endpoint));
		cells[0] = stationctl_admin_str(e, "mac");
		cells[1] = stationctl_admin_str(e, "ip");
		cells[2] = stationctl_admin_str(e, "hostname");
		cells[3] = stationctl_admin_str(e, "match");
		cells[4] = stationctl_admin_str(e, "state");
		cells[5] = endpoint;
		/* A desktop user name may hold spaces ("CORP\\ann smith"): escaped,
		 * it stays one column for awk and cut. */
		user[0] = '\0';
		if (stationctl_admin_str(e, "user"))
			stationctl_util_word(stationctl_admin_str(e, "user"), user, sizeof(user));
		cells[6] = user;
		cells[7] = since;
		cells[8] = last;
		cells[9] = stationctl_admin_str(e, "name");
		if (stationctl_table_add(t, cells) < 0)
			goto oom;
	}
	stationctl_table_print(t, stdout, no_header);
	if (stationctl_status_pools(ctx, no_header) < 0)
		goto oom;
	goto cleanup;
oom:
	stationctl_util_err("out of memory");
	ret = STATIONCTL_EXIT_IO;
cleanup:
	stationctl_table_free(t);
	json_object_put(reply);
	return ret;
}
