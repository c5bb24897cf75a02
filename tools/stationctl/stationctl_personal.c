/* personal list|reset|remove: the personal desktops of pools with
 * personal = yes, as the running broker keeps them (its admin socket):
 * they are state, not configuration, so there is no file to fall back to. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_table.h"
#include "stationctl_util.h"

static int stationctl_personal_list(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const char *const header[] = {"USER",  "POOL",	"DOMAIN",
					     "STATE", "VIEWER", "LAST-USED"};
	json_object *reply = NULL, *list = NULL, *v;
	struct stationctl_table *t = NULL;
	int json, no_header, ret;

	ret = stationctl_admin_list_opts(argc, argv, &json, &no_header);
	if (ret)
		return ret;
	ret = stationctl_admin_get_list(ctx->admin_socket, "/v1/admin/personal", "personal", &reply,
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
		char last[64], user[4 * 64 + 8];
		const char *cells[6];

		stationctl_admin_time(e, "last_used", last, sizeof(last));
		user[0] = '\0';
		if (stationctl_admin_str(e, "user"))
			stationctl_util_word(stationctl_admin_str(e, "user"), user, sizeof(user));
		cells[0] = user;
		cells[1] = stationctl_admin_str(e, "pool");
		cells[2] = stationctl_admin_str(e, "domain");
		cells[3] = stationctl_admin_str(e, "state");
		cells[4] = json_object_object_get_ex(e, "viewer", &v) && json_object_get_boolean(v)
			       ? "yes"
			       : "no";
		cells[5] = last;
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

/* reset or remove POOL USER. */
static int stationctl_personal_change(const struct stationctl_ctx *ctx, const char *what, int argc,
				      char **argv)
{
	json_object *body = NULL, *reply = NULL;
	char path[64];
	int ret;

	if (argc != 3) {
		stationctl_util_err("personal %s: expected POOL USER", what);
		return stationctl_commands_usage_error("personal");
	}
	body = json_object_new_object();
	if (!body || json_object_object_add(body, "pool", json_object_new_string(argv[1])) < 0 ||
	    json_object_object_add(body, "user", json_object_new_string(argv[2])) < 0) {
		json_object_put(body);
		stationctl_util_err("out of memory");
		return STATIONCTL_EXIT_IO;
	}
	snprintf(path, sizeof(path), "/v1/admin/personal/%s", what);
	ret = stationctl_admin_request(ctx->admin_socket, "POST", path,
				       json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
				       &reply, 0);
	if (ret == STATIONCTL_EXIT_OK)
		printf("%s: %s\n", what,
		       strcmp(what, "reset") == 0
			   ? "the broker discards the desktop's disk now; the next login starts "
			     "it fresh from the base image"
			   : "the broker undefines the desktop and deletes its disk now");
	json_object_put(body);
	json_object_put(reply);
	return ret;
}

int stationctl_personal_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	char shown[64];

	if (argc < 2) {
		stationctl_util_err("personal: expected list, reset or remove");
		return stationctl_commands_usage_error("personal");
	}
	if (strcmp(argv[1], "list") == 0)
		return stationctl_personal_list(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "reset") == 0 || strcmp(argv[1], "remove") == 0)
		return stationctl_personal_change(ctx, argv[1], argc - 1, argv + 1);
	stationctl_util_printable(argv[1], shown, sizeof(shown));
	stationctl_util_err("personal: no subcommand '%s' (list, reset, remove)", shown);
	return stationctl_commands_usage_error("personal");
}
