/* The command table: names, one-line summaries, help texts and entry
 * points. main() looks commands up here; "help CMD" and "CMD --help" print
 * from here, so every command's help lives in one place. */
#ifndef VDI_STATIONCTL_COMMANDS_H
#define VDI_STATIONCTL_COMMANDS_H

#include <stdio.h>

#include "stationctl.h"

struct stationctl_command {
	const char *name;
	const char *synopsis; /* arguments after the name */
	const char *summary;  /* one line for the overview */
	const char *help;     /* the full description */
	int (*run)(const struct stationctl_ctx *ctx, int argc, char **argv);
	/* The sections whose keys the help lists (enum st_key_scope bits,
	 * from the key table); 0 for none. */
	unsigned keys;
};

const struct stationctl_command *stationctl_commands_find(const char *name);
/* The overview: global options and the list of commands. */
void stationctl_commands_usage(FILE *out);
void stationctl_commands_help(const struct stationctl_command *cmd, FILE *out);
/* "usage: stationctl CMD SYNOPSIS" plus a pointer to --help, on stderr;
 * returns STATIONCTL_EXIT_USAGE so commands can "return" it. */
int stationctl_commands_usage_error(const char *name);

#endif
