/* maintenance on|off MATCH [--message TEXT]: the everyday case of `set`
 * (maintenance=yes or no, and the notice) under a name an admin finds. It
 * builds the key=value arguments and hands them to `set`, so the lock,
 * the validation of the whole result, the atomic write and FILE.prev are
 * exactly those of every other edit. MATCH is passed through unparsed:
 * whatever section kinds `set` knows (stations, group:NAME, pool:NAME),
 * this command knows too. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

int stationctl_maint_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	enum { OPT_KEEP = 256 };
	static const struct option opts[] = {
	    {"message", required_argument, NULL, 'm'},
	    {"keep-message", no_argument, NULL, OPT_KEEP},
	    {"dry-run", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *message = NULL;
	bool keep = false, dry_run = false, on;
	char *set_argv[6];
	char *msg_kv = NULL;
	int set_argc = 0, c, ret;

	while ((c = getopt_long(argc, argv, "m:n", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			message = optarg;
			break;
		case OPT_KEEP:
			keep = true;
			break;
		case 'n':
			dry_run = true;
			break;
		default:
			return stationctl_commands_usage_error(argv[0]);
		}
	}
	if (argc - optind != 2) {
		stationctl_util_err("maintenance: expected on or off, then MATCH");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (strcmp(argv[optind], "on") == 0) {
		on = true;
	} else if (strcmp(argv[optind], "off") == 0) {
		on = false;
	} else {
		char shown[64];

		stationctl_util_printable(argv[optind], shown, sizeof(shown));
		stationctl_util_err("maintenance: '%s' is neither on nor off", shown);
		return stationctl_commands_usage_error(argv[0]);
	}
	if (keep && message) {
		stationctl_util_err("maintenance: --message and --keep-message exclude each other");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (on && message && !message[0]) {
		stationctl_util_err("maintenance on: --message is empty (leave it out to keep "
				    "the current message)");
		return STATIONCTL_EXIT_INVALID;
	}

	/* In maintenance the message is the notice on the station's screen;
	 * otherwise it is the login screen's greeting. A repair notice left
	 * behind would greet users after the repair, so "off" removes it
	 * unless told to keep it or given a new one. */
	if (message) {
		if (asprintf(&msg_kv, "message=%s", message) < 0) {
			stationctl_util_err("out of memory");
			return STATIONCTL_EXIT_IO;
		}
	} else if (!on && !keep) {
		msg_kv = strdup("message=");
		if (!msg_kv) {
			stationctl_util_err("out of memory");
			return STATIONCTL_EXIT_IO;
		}
	}
	set_argv[set_argc++] = "set";
	if (dry_run)
		set_argv[set_argc++] = "--dry-run";
	set_argv[set_argc++] = argv[optind + 1];
	set_argv[set_argc++] = on ? "maintenance=yes" : "maintenance=no";
	if (msg_kv)
		set_argv[set_argc++] = msg_kv;
	set_argv[set_argc] = NULL;

	/* `set` parses its own options from the start. */
	optind = 0;
	ret = stationctl_edit_set_main(ctx, set_argc, set_argv);
	free(msg_kv);
	return ret;
}
