/* sessions and disconnect: the open sessions as the running broker keeps
 * them (its admin socket), and ending one from the broker's side. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_table.h"
#include "stationctl_util.h"

/* A cell from a string member, made safe to print; "" when absent. */
static const char *sessions_cell(json_object *e, const char *key, char *buf, size_t len)
{
	const char *s = stationctl_admin_str(e, key);

	buf[0] = '\0';
	if (s)
		stationctl_util_word(s, buf, len);
	return buf;
}

/* The same for a sentence: printable, blanks kept. */
static const char *sessions_text(json_object *e, const char *key, char *buf, size_t len)
{
	const char *s = stationctl_admin_str(e, key);

	buf[0] = '\0';
	if (s)
		stationctl_util_printable(s, buf, len);
	return buf;
}

/* "1h02m", "3m05s", "12s"; "" when the station has not said. */
static void sessions_idle(json_object *e, char *out, size_t len)
{
	json_object *v;
	long s;

	out[0] = '\0';
	if (!json_object_object_get_ex(e, "idle_s", &v) || !json_object_is_type(v, json_type_int))
		return;
	s = (long)json_object_get_int64(v);
	if (s >= 3600)
		snprintf(out, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, len, "%lds", s);
}

int stationctl_sessions_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const char *const header[] = {"USER",  "STATION", "MAC",	 "DESKTOP",
					     "SINCE", "IDLE",	 "STATE"};
	json_object *reply = NULL, *list = NULL;
	struct stationctl_table *t = NULL;
	int json, no_header, ret;

	ret = stationctl_admin_list_opts(argc, argv, &json, &no_header);
	if (ret)
		return ret;
	ret = stationctl_admin_get_list(ctx->admin_socket, "/v1/admin/sessions", "sessions", &reply,
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
		char user[300], station[300], mac[40], desk[1200], since[64], idle[32], state[40];
		const char *cells[7];

		cells[0] = sessions_cell(e, "user", user, sizeof(user));
		cells[1] = sessions_cell(e, "name", station, sizeof(station));
		if (!station[0])
			cells[1] = sessions_cell(e, "hostname", station, sizeof(station));
		cells[2] = sessions_cell(e, "mac", mac, sizeof(mac));
		cells[3] = sessions_cell(e, "desktop", desk, sizeof(desk));
		stationctl_admin_time(e, "since", since, sizeof(since));
		cells[4] = since;
		sessions_idle(e, idle, sizeof(idle));
		cells[5] = idle;
		cells[6] = stationctl_admin_str(e, "ending")
			       ? (snprintf(state, sizeof(state), "ending:%s",
					   sessions_cell(e, "ending", user, sizeof(user))),
				  state)
			       : "open";
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

int stationctl_disconnect_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	json_object *body = NULL, *reply = NULL, *list;
	int ret;

	if (argc != 2) {
		stationctl_util_err("disconnect: expected one USER, STATION or MAC");
		return stationctl_commands_usage_error("disconnect");
	}
	body = json_object_new_object();
	if (!body || json_object_object_add(body, "who", json_object_new_string(argv[1])) < 0) {
		json_object_put(body);
		stationctl_util_err("out of memory");
		return STATIONCTL_EXIT_IO;
	}
	ret = stationctl_admin_request(ctx->admin_socket, "POST", "/v1/admin/disconnect",
				       json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
				       &reply, 0);
	if (ret == STATIONCTL_EXIT_OK && json_object_object_get_ex(reply, "ended", &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *e = json_object_array_get_idx(list, i);
			char user[300], station[300], mac[40], desk[1200], err[600];
			const char *viewer = stationctl_admin_str(e, "viewer");

			sessions_text(e, "user", user, sizeof(user));
			sessions_text(e, "name", station, sizeof(station));
			if (!station[0])
				sessions_text(e, "hostname", station, sizeof(station));
			sessions_text(e, "mac", mac, sizeof(mac));
			sessions_text(e, "desktop", desk, sizeof(desk));
			printf("ended: %s at %s (%s), desktop %s: ", user[0] ? user : "-",
			       station[0] ? station : "-", mac, desk[0] ? desk : "-");
			if (viewer && strcmp(viewer, "dropped") == 0)
				printf("viewer disconnected by libvirt; the station returns to its "
				       "login screen\n");
			else if (viewer && strcmp(viewer, "failed") == 0)
				printf("libvirt could not drop the viewer (%s); the station ends "
				       "the session at its next report\n",
				       sessions_text(e, "error", err, sizeof(err)));
			else
				printf("the broker cannot drop this viewer (not a libvirt "
				       "desktop); the station ends the session at its next "
				       "report, within a few seconds\n");
		}
	}
	json_object_put(body);
	json_object_put(reply);
	return ret;
}
