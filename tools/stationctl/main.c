/* stationctl: global options, then hand over to the command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_path.h"
#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && v[0] ? v : fallback;
}

/* "--help" or "-h" anywhere among a command's arguments (before "--") asks
 * for that command's help; no MATCH or key=value can look like that. */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_LOCK_TIMEOUT };
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"users", required_argument, NULL, 'u'},
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct stationctl_ctx ctx = {
	    .stations_file = env_or("VDI_STATIONS_FILE", STATIONCTL_DEFAULT_FILE),
	    .users_file = env_or("VDI_USERS_FILE", STATIONCTL_DEFAULT_USERS),
	    .admin_socket = getenv("VDI_ADMIN_SOCKET"),
	    .lock_timeout_ms = STATIONCTL_DEFAULT_LOCK_TIMEOUT_MS,
	};
	const struct stationctl_command *cmd;
	char dirs[ADMIN_PATH_DIRS][ADMIN_PATH_MAX], found[ADMIN_PATH_MAX];
	int c;

	/* '+': options after the command name belong to the command. */
	while ((c = getopt_long(argc, argv, "+f:u:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			ctx.stations_file = optarg;
			break;
		case 'u':
			ctx.users_file = optarg;
			break;
		case OPT_SOCKET:
			ctx.admin_socket = optarg;
			break;
		case OPT_LOCK_TIMEOUT: {
			char *end;
			double s = strtod(optarg, &end);

			if (end == optarg || *end || !(s >= 0 && s <= 3600)) {
				stationctl_util_err("--lock-timeout: expected 0 to 3600 seconds");
				return STATIONCTL_EXIT_USAGE;
			}
			ctx.lock_timeout_ms = (int)(s * 1000);
			break;
		}
		case 'h':
			stationctl_commands_usage(stdout);
			return STATIONCTL_EXIT_OK;
		case 'V':
			printf("stationctl %s\n", VDI_VERSION);
			return STATIONCTL_EXIT_OK;
		default:
			fputs("Try 'stationctl --help' for more information.\n", stderr);
			return STATIONCTL_EXIT_USAGE;
		}
	}
	/* Neither --socket nor $VDI_ADMIN_SOCKET: look where a broker
	 * started without --admin-socket puts it, in the broker's order. */
	if (!ctx.admin_socket || !ctx.admin_socket[0]) {
		admin_path_find((const char(*)[ADMIN_PATH_MAX])dirs,
				admin_path_dirs(dirs, ADMIN_PATH_DIRS), found, sizeof(found));
		ctx.admin_socket = found;
	}
	if (optind >= argc) {
		stationctl_commands_usage(stderr);
		return STATIONCTL_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;

	if (strcmp(argv[0], "help") == 0) {
		if (argc < 2) {
			stationctl_commands_usage(stdout);
			return STATIONCTL_EXIT_OK;
		}
		cmd = stationctl_commands_find(argv[1]);
		if (!cmd) {
			stationctl_util_err("no command '%s'; 'stationctl help' lists them",
					    argv[1]);
			return STATIONCTL_EXIT_USAGE;
		}
		stationctl_commands_help(cmd, stdout);
		return STATIONCTL_EXIT_OK;
	}
	cmd = stationctl_commands_find(argv[0]);
	if (!cmd) {
		char shown[64];

		stationctl_util_printable(argv[0], shown, sizeof(shown));
		stationctl_util_err("no command '%s'; 'stationctl help' lists them", shown);
		return STATIONCTL_EXIT_USAGE;
	}
	if (wants_help(argc, argv)) {
		stationctl_commands_help(cmd, stdout);
		return STATIONCTL_EXIT_OK;
	}
	/* Commands parse their own options with getopt from a fresh start. */
	optind = 0;
	return cmd->run(&ctx, argc, argv);
}
