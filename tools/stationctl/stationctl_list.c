/* list: one line per section, in file order. */
#include <getopt.h>
#include <stdio.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_table.h"
#include "stationctl_util.h"

int stationctl_list_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"no-header", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const header[] = {"MATCH", "KIND", "GROUP", "ENDPOINT",
					     "MAINT", "LINE", "NAME"};
	struct st_config *cfg = NULL;
	struct stationctl_table *t = NULL;
	int c, no_header = 0, ret;

	while ((c = getopt_long(argc, argv, "H", opts, NULL)) != -1) {
		if (c != 'H')
			return stationctl_commands_usage_error(argv[0]);
		no_header = 1;
	}
	if (optind < argc)
		return stationctl_commands_usage_error(argv[0]);
	ret = stationctl_util_load_config(ctx->stations_file, &cfg);
	if (ret)
		return ret;
	t = stationctl_table_new(sizeof(header) / sizeof(header[0]), header);
	if (!t)
		goto oom;
	for (size_t i = 0; i < st_config_count(cfg); i++) {
		const struct st_entry *e = st_config_entry(cfg, i);
		char endpoint[400], line[16];
		const char *cells[7];

		/* A pool section: its name and its size/max; a mapping that
		 * takes its desktop from a pool: the pool. */
		if (e->target.kind == ST_POOL && e->pool)
			snprintf(endpoint, sizeof(endpoint), "pool:%s (%u/%u)", e->pool->name,
				 e->pool->size, e->pool->max);
		else if (e->values[ST_KEY_POOL])
			snprintf(endpoint, sizeof(endpoint), "pool:%s", e->values[ST_KEY_POOL]);
		else if (e->values[ST_KEY_CONNECTION_FILE])
			snprintf(endpoint, sizeof(endpoint), "file:%s",
				 e->values[ST_KEY_CONNECTION_FILE]);
		else if (e->values[ST_KEY_CONNECTION_URL])
			snprintf(endpoint, sizeof(endpoint), "%s",
				 e->values[ST_KEY_CONNECTION_URL]);
		else if (e->target.kind == ST_GROUP || e->n_endpoints == 0)
			stationctl_util_endpoint_values(e, endpoint, sizeof(endpoint));
		else
			stationctl_util_endpoint(&e->endpoints[0], endpoint, sizeof(endpoint));
		snprintf(line, sizeof(line), "%u", e->line);
		cells[0] = e->target.text;
		cells[1] = st_kind_name(e->target.kind);
		cells[2] = e->target.kind == ST_GROUP || e->target.kind == ST_POOL
			       ? NULL
			       : e->values[ST_KEY_GROUP];
		cells[3] = endpoint;
		cells[4] = e->maintenance ? "yes" : "no";
		cells[5] = line;
		cells[6] = e->name;
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
	st_config_free(cfg);
	return ret;
}
