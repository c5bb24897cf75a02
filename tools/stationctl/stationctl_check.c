/* check [FILE]: the same validation the broker runs before it loads a
 * file, with every problem as file:line: message. */
#include <getopt.h>
#include <stdio.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

int stationctl_check_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = ctx->stations_file;
	struct st_config *cfg = NULL;
	size_t stations = 0, groups = 0, pools = 0;
	int c, quiet = 0, ret;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c != 'q')
			return stationctl_commands_usage_error(argv[0]);
		quiet = 1;
	}
	if (argc - optind > 1)
		return stationctl_commands_usage_error(argv[0]);
	if (optind < argc)
		path = argv[optind];
	ret = stationctl_util_load_config(path, &cfg);
	if (ret)
		return ret;
	for (size_t i = 0; i < st_config_count(cfg); i++) {
		enum st_kind kind = st_config_entry(cfg, i)->target.kind;

		if (kind == ST_GROUP)
			groups++;
		else if (kind == ST_POOL)
			pools++;
		else
			stations++;
	}
	if (!quiet && pools)
		printf("%s: valid (%zu station section%s, %zu group%s, %zu pool%s)\n", path,
		       stations, stations == 1 ? "" : "s", groups, groups == 1 ? "" : "s", pools,
		       pools == 1 ? "" : "s");
	else if (!quiet)
		printf("%s: valid (%zu station section%s, %zu group%s)\n", path, stations,
		       stations == 1 ? "" : "s", groups, groups == 1 ? "" : "s");
	st_config_free(cfg);
	return STATIONCTL_EXIT_OK;
}
