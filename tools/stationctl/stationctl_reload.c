/* reload [--force]: ask the running broker to read the stations file now.
 *
 * Without --force the broker applies the file only when it keeps at least
 * half of the mappings it serves (and at least one): a file that was cut
 * short or emptied is held and the old mappings keep serving. --force is
 * the admin saying the file is what they want. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

/* An unsigned member of obj as text; "?" when absent. */
static void stationctl_reload_num(json_object *obj, const char *key, char *out, size_t outlen)
{
	json_object *v;

	if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_int))
		snprintf(out, outlen, "%lld", (long long)json_object_get_int64(v));
	else
		snprintf(out, outlen, "?");
}

static void stationctl_reload_held(json_object *reply)
{
	json_object *held = NULL;
	char mappings[24], serving[24], since[64];

	json_object_object_get_ex(reply, "held", &held);
	stationctl_reload_num(held, "mappings", mappings, sizeof(mappings));
	stationctl_reload_num(held, "serving", serving, sizeof(serving));
	stationctl_admin_time(held, "since", since, sizeof(since));
	stationctl_util_err("the broker holds its stations file (since %s): the file has %s "
			    "mapping(s), the broker serves %s",
			    since[0] ? since : "?", mappings, serving);
	fprintf(stderr,
		"The %s served mappings stay in use. If the file is what you want, apply it\n"
		"with 'stationctl reload --force' (or SIGHUP); otherwise repair the file.\n",
		serving);
}

static void stationctl_reload_errors(json_object *reply)
{
	json_object *errors = NULL;
	char shown[1024], count[24];
	size_t n;

	if (json_object_object_get_ex(reply, "errors", &errors) &&
	    json_object_is_type(errors, json_type_array)) {
		n = json_object_array_length(errors);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(errors, i);

			if (!json_object_is_type(e, json_type_string))
				continue;
			stationctl_util_printable(json_object_get_string(e), shown, sizeof(shown));
			fprintf(stderr, "%s\n", shown);
		}
	}
	stationctl_reload_num(reply, "error_count", count, sizeof(count));
	stationctl_util_err("the broker rejected the stations file (%s error(s)); it keeps "
			    "serving its previous mappings",
			    count);
}

int stationctl_reload_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'F'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	json_object *reply = NULL;
	const char *status;
	char mappings[24], generation[24];
	long code = 0;
	int c, force = 0, json = 0, ret;

	while ((c = getopt_long(argc, argv, "Fj", opts, NULL)) != -1) {
		if (c == 'F')
			force = 1;
		else if (c == 'j')
			json = 1;
		else
			return stationctl_commands_usage_error(argv[0]);
	}
	if (optind < argc)
		return stationctl_commands_usage_error(argv[0]);
	ret = stationctl_admin_request_status(ctx->admin_socket, "POST", "/v1/admin/reload",
					      force ? "{\"force\":true}" : "{}", &reply, &code, 1);
	status = stationctl_admin_str(reply, "status");
	/* Scripts get the answer as it came, whatever it says; the exit code
	 * is the same as without --json. */
	if (json && reply)
		stationctl_admin_print_json(reply);
	if (ret == STATIONCTL_EXIT_OK && status && strcmp(status, "ok") == 0) {
		stationctl_reload_num(reply, "mappings", mappings, sizeof(mappings));
		stationctl_reload_num(reply, "generation", generation, sizeof(generation));
		if (!json)
			printf("the broker applied its stations file: %s mapping(s), generation "
			       "%s\n",
			       mappings, generation);
	} else if (code == 409 && status && strcmp(status, "held") == 0) {
		if (!json)
			stationctl_reload_held(reply);
		ret = STATIONCTL_EXIT_INVALID;
	} else if (code == 422 && status && strcmp(status, "error") == 0) {
		if (!json)
			stationctl_reload_errors(reply);
		ret = STATIONCTL_EXIT_INVALID;
	} else if (code == 0) {
		stationctl_util_err("cannot reach the broker at %s (is vdi-broker running? see "
				    "--socket)",
				    ctx->admin_socket);
		ret = STATIONCTL_EXIT_BROKER;
	} else {
		stationctl_util_err("broker: /v1/admin/reload: unexpected answer (HTTP %ld)", code);
		ret = STATIONCTL_EXIT_BROKER;
	}
	json_object_put(reply);
	return ret;
}
