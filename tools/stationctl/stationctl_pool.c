/* pool create|resize|drain|list: pools of one-time desktops. The three
 * edits build the arguments of `add pool:NAME ...` or `set pool:NAME ...`
 * and hand them to that command, so the lock, the validation of the whole
 * result, the atomic write and FILE.prev are those of every other edit.
 * list asks the running broker for the live counts and falls back to the
 * file alone when the broker is not there. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_table.h"
#include "stationctl_util.h"

#define STATIONCTL_POOL_ARGS_MAX 64

/* "pool:NAME" for NAME (a leading "pool:" is accepted too). */
static int stationctl_pool_match(const char *name, char **out)
{
	if (strncmp(name, "pool:", 5) == 0)
		name += 5;
	if (!name[0]) {
		stationctl_util_err("pool: NAME is empty");
		return STATIONCTL_EXIT_INVALID;
	}
	if (asprintf(out, "pool:%s", name) < 0) {
		stationctl_util_err("out of memory");
		return STATIONCTL_EXIT_IO;
	}
	return STATIONCTL_EXIT_OK;
}

/* Runs add (create) or set (resize, drain) with argv[0] "pool", so that a
 * usage error points at this command. extra are the key=value arguments;
 * rest the admin's own (create: keys and -n). */
static int stationctl_pool_edit(const struct stationctl_ctx *ctx, bool add, const char *name,
				char **extra, int n_extra, char **rest, int n_rest)
{
	char *args[STATIONCTL_POOL_ARGS_MAX + 1];
	char *match = NULL;
	int n = 0, ret;

	if (2 + n_extra + n_rest > STATIONCTL_POOL_ARGS_MAX) {
		stationctl_util_err("pool: too many arguments");
		return STATIONCTL_EXIT_USAGE;
	}
	ret = stationctl_pool_match(name, &match);
	if (ret)
		return ret;
	args[n++] = "pool";
	args[n++] = match;
	for (int i = 0; i < n_extra; i++)
		args[n++] = extra[i];
	for (int i = 0; i < n_rest; i++)
		args[n++] = rest[i];
	args[n] = NULL;
	/* add and set parse their own options from the start. */
	optind = 0;
	ret = add ? stationctl_edit_add_main(ctx, n, args) : stationctl_edit_set_main(ctx, n, args);
	free(match);
	return ret;
}

/* Splits -n/--dry-run off the arguments after the subcommand; the others
 * stay in pos. Returns the number of positional arguments, or -1 on an
 * unknown option. */
static int stationctl_pool_args(int argc, char **argv, char **pos, bool *dry_run)
{
	int n = 0;

	*dry_run = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--dry-run") == 0)
			*dry_run = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return -1;
		else
			pos[n++] = argv[i];
	}
	return n;
}

static int stationctl_pool_create(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	char *pos[STATIONCTL_POOL_ARGS_MAX];
	char *dry[] = {"--dry-run"};
	bool dry_run;
	int n;

	if (argc > STATIONCTL_POOL_ARGS_MAX)
		return stationctl_commands_usage_error("pool");
	n = stationctl_pool_args(argc, argv, pos, &dry_run);
	if (n < 0)
		return stationctl_commands_usage_error("pool");
	if (n < 2) {
		stationctl_util_err("pool create: expected NAME and key=value...");
		return stationctl_commands_usage_error("pool");
	}
	return stationctl_pool_edit(ctx, true, pos[0], dry_run ? dry : NULL, dry_run ? 1 : 0,
				    pos + 1, n - 1);
}

static int stationctl_pool_resize(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	char *pos[STATIONCTL_POOL_ARGS_MAX], *kv[3];
	char size_kv[32], max_kv[32];
	bool dry_run;
	int n, nkv = 0;

	if (argc > STATIONCTL_POOL_ARGS_MAX)
		return stationctl_commands_usage_error("pool");
	n = stationctl_pool_args(argc, argv, pos, &dry_run);
	if (n < 0)
		return stationctl_commands_usage_error("pool");
	if (n < 2 || n > 3) {
		stationctl_util_err("pool resize: expected NAME SIZE [MAX]");
		return stationctl_commands_usage_error("pool");
	}
	/* Longer than any number the keys take: refused by their check. */
	if (strlen(pos[1]) > 20 || (n == 3 && strlen(pos[2]) > 20)) {
		stationctl_util_err("pool resize: SIZE and MAX are numbers from 0 and 1 to %u",
				    ST_POOL_MAX_VMS);
		return STATIONCTL_EXIT_INVALID;
	}
	snprintf(size_kv, sizeof(size_kv), "size=%s", pos[1]);
	kv[nkv++] = size_kv;
	if (n == 3) {
		snprintf(max_kv, sizeof(max_kv), "max=%s", pos[2]);
		kv[nkv++] = max_kv;
	}
	if (dry_run)
		kv[nkv++] = "--dry-run";
	return stationctl_pool_edit(ctx, false, pos[0], kv, nkv, NULL, 0);
}

static int stationctl_pool_drain(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	char *pos[STATIONCTL_POOL_ARGS_MAX];
	char *kv[] = {"size=0", "--dry-run"};
	bool dry_run;
	int n;

	if (argc > STATIONCTL_POOL_ARGS_MAX)
		return stationctl_commands_usage_error("pool");
	n = stationctl_pool_args(argc, argv, pos, &dry_run);
	if (n != 1) {
		if (n >= 0)
			stationctl_util_err("pool drain: expected NAME");
		return stationctl_commands_usage_error("pool");
	}
	return stationctl_pool_edit(ctx, false, pos[0], kv, dry_run ? 2 : 1, NULL, 0);
}

/* The JSON boolean member key of obj (false when absent). */
static bool stationctl_pool_bool(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_get_boolean(v);
}

/* The unsigned number member key of obj as text, "" when absent. */
static void stationctl_pool_num(json_object *obj, const char *key, char *out, size_t outlen)
{
	json_object *v;

	out[0] = '\0';
	if (json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_int))
		snprintf(out, outlen, "%lld", (long long)json_object_get_int64(v));
}

/* The table from the broker's answer: its pools, with the VMs that a
 * station holds (assigned or ending) counted as in use. */
static int stationctl_pool_list_broker(struct stationctl_table *t, json_object *reply)
{
	json_object *pools, *vms = NULL;

	if (!json_object_object_get_ex(reply, "pools", &pools) ||
	    !json_object_is_type(pools, json_type_array))
		return -1;
	if (json_object_object_get_ex(reply, "vms", &vms) &&
	    !json_object_is_type(vms, json_type_array))
		vms = NULL;
	for (size_t i = 0; i < json_object_array_length(pools); i++) {
		json_object *p = json_object_array_get_idx(pools, i);
		const char *name = stationctl_admin_str(p, "name");
		char size[24], max[24], ready[24], queue[24], in_use[24];
		const char *cells[7];
		size_t used = 0;

		for (size_t k = 0; name && vms && k < json_object_array_length(vms); k++) {
			json_object *vm = json_object_array_get_idx(vms, k);
			const char *pool = stationctl_admin_str(vm, "pool");
			const char *state = stationctl_admin_str(vm, "state");

			if (pool && state && strcmp(pool, name) == 0 &&
			    (strcmp(state, "assigned") == 0 || strcmp(state, "ending") == 0))
				used++;
		}
		stationctl_pool_num(p, "size", size, sizeof(size));
		stationctl_pool_num(p, "max", max, sizeof(max));
		stationctl_pool_num(p, "ready", ready, sizeof(ready));
		stationctl_pool_num(p, "queue", queue, sizeof(queue));
		snprintf(in_use, sizeof(in_use), "%zu", used);
		cells[0] = name;
		cells[1] = size;
		cells[2] = max;
		cells[3] = ready;
		cells[4] = in_use;
		cells[5] = queue;
		cells[6] = stationctl_pool_bool(p, "maintenance") ? "yes" : "no";
		if (stationctl_table_add(t, cells) < 0)
			return -1;
	}
	return 0;
}

static int stationctl_pool_list_file(struct stationctl_table *t, const struct st_config *cfg)
{
	for (size_t i = 0; i < st_config_count(cfg); i++) {
		const struct st_entry *e = st_config_entry(cfg, i);
		char size[24], max[24];
		const char *cells[7];

		if (e->target.kind != ST_POOL || !e->pool)
			continue;
		snprintf(size, sizeof(size), "%u", e->pool->size);
		snprintf(max, sizeof(max), "%u", e->pool->max);
		cells[0] = e->pool->name;
		cells[1] = size;
		cells[2] = max;
		cells[3] = NULL;
		cells[4] = NULL;
		cells[5] = NULL;
		cells[6] = e->pool->maintenance ? "yes" : "no";
		if (stationctl_table_add(t, cells) < 0)
			return -1;
	}
	return 0;
}

static int stationctl_pool_list(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const char *const header[] = {"NAME",   "SIZE",	"MAX",	"READY",
					     "IN-USE", "QUEUE", "MAINT"};
	json_object *reply = NULL;
	struct st_config *cfg = NULL;
	struct stationctl_table *t = NULL;
	bool no_header = false, live;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-H") == 0 || strcmp(argv[i], "--no-header") == 0)
			no_header = true;
		else
			return stationctl_commands_usage_error("pool");
	}
	t = stationctl_table_new(sizeof(header) / sizeof(header[0]), header);
	if (!t)
		goto oom;
	/* Any failure of the broker (not running, or too old to know pools)
	 * means the file alone. */
	live = stationctl_admin_request(ctx->admin_socket, "GET", "/v1/admin/pools", NULL, &reply,
					1) == STATIONCTL_EXIT_OK;
	if (live && stationctl_pool_list_broker(t, reply) < 0) {
		stationctl_table_free(t);
		t = stationctl_table_new(sizeof(header) / sizeof(header[0]), header);
		if (!t)
			goto oom;
		live = false;
	}
	if (!live) {
		ret = stationctl_util_load_config(ctx->stations_file, &cfg);
		if (ret)
			goto cleanup;
		if (stationctl_pool_list_file(t, cfg) < 0)
			goto oom;
	}
	stationctl_table_print(t, stdout, no_header);
	if (!no_header) {
		if (live)
			printf("# live: from the running broker (%s)\n", ctx->admin_socket);
		else
			printf("# broker not reachable at %s: from %s alone (READY, IN-USE and "
			       "QUEUE unknown)\n",
			       ctx->admin_socket, ctx->stations_file);
	}
	ret = STATIONCTL_EXIT_OK;
	goto cleanup;
oom:
	stationctl_util_err("out of memory");
	ret = STATIONCTL_EXIT_IO;
cleanup:
	stationctl_table_free(t);
	st_config_free(cfg);
	json_object_put(reply);
	return ret;
}

int stationctl_pool_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		stationctl_util_err("pool: expected create, resize, drain or list");
		return stationctl_commands_usage_error("pool");
	}
	sub = argv[1];
	if (strcmp(sub, "create") == 0)
		return stationctl_pool_create(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "resize") == 0)
		return stationctl_pool_resize(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "drain") == 0)
		return stationctl_pool_drain(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return stationctl_pool_list(ctx, argc - 1, argv + 1);

	char shown[64];

	stationctl_util_printable(sub, shown, sizeof(shown));
	stationctl_util_err("pool: no subcommand '%s' (create, resize, drain, list)", shown);
	return stationctl_commands_usage_error("pool");
}
