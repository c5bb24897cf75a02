/* check [FILE]: the same validation the broker runs before it loads a
 * file, with every problem as file:line: message. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "fileio.h"
#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

/* connection_file and connection_auth are read at each lookup, not at
 * load, so they may be written later: a missing one is fine here. One that
 * exists and is not a regular file (a FIFO would hang the reader; the
 * broker refuses it) is an error the admin should see now. Returns the
 * number of errors printed. */
static size_t stationctl_check_sources(const char *path, const struct st_config *cfg)
{
	size_t errors = 0;
	char shown_path[1024], shown[1024];

	stationctl_util_printable(path, shown_path, sizeof(shown_path));
	for (size_t i = 0; i < st_config_count(cfg); i++) {
		const struct st_entry *e = st_config_entry(cfg, i);
		const char *files[] = {e->connection_file, e->connection_auth};
		const char *keys[] = {st_key_name(ST_KEY_CONNECTION_FILE),
				      st_key_name(ST_KEY_CONNECTION_AUTH)};

		for (size_t k = 0; k < 2; k++) {
			if (!files[k] || file_check_regular(files[k]) == 0 || errno == ENOENT)
				continue;
			stationctl_util_printable(files[k], shown, sizeof(shown));
			fflush(stdout);
			fprintf(stderr, "%s:%u: %s %s: %s\n", shown_path, e->line, keys[k], shown,
				file_strerror(errno));
			errors++;
		}
	}
	return errors;
}

int stationctl_check_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = ctx->stations_file;
	struct st_config *cfg = NULL;
	size_t stations = 0, groups = 0, pools = 0, desktops = 0, users = 0, errors;
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
	errors = stationctl_check_sources(path, cfg);
	if (errors) {
		stationctl_util_err("%s is not valid (%zu error%s)", path, errors,
				    errors == 1 ? "" : "s");
		st_config_free(cfg);
		return STATIONCTL_EXIT_INVALID;
	}
	for (size_t i = 0; i < st_config_count(cfg); i++) {
		enum st_kind kind = st_config_entry(cfg, i)->target.kind;

		if (kind == ST_GROUP)
			groups++;
		else if (kind == ST_POOL)
			pools++;
		else if (kind == ST_DESKTOP)
			desktops++;
		else if (kind == ST_USER || kind == ST_USERGROUP)
			users++;
		else
			stations++;
	}
	/* Files without users' desktops say what they always said. */
	if (!quiet && (desktops || users))
		printf("%s: valid (%zu station section%s, %zu group%s, %zu pool%s, %zu desktop%s, "
		       "%zu user and user group section%s)\n",
		       path, stations, stations == 1 ? "" : "s", groups, groups == 1 ? "" : "s",
		       pools, pools == 1 ? "" : "s", desktops, desktops == 1 ? "" : "s", users,
		       users == 1 ? "" : "s");
	else if (!quiet && pools)
		printf("%s: valid (%zu station section%s, %zu group%s, %zu pool%s)\n", path,
		       stations, stations == 1 ? "" : "s", groups, groups == 1 ? "" : "s", pools,
		       pools == 1 ? "" : "s");
	else if (!quiet)
		printf("%s: valid (%zu station section%s, %zu group%s)\n", path, stations,
		       stations == 1 ? "" : "s", groups, groups == 1 ? "" : "s");
	st_config_free(cfg);
	return STATIONCTL_EXIT_OK;
}
