/* stationctl: the station-mapping admin CLI. What every command shares: the
 * global options and the exit codes, plus the entry point of each command
 * (one module per command, see stationctl_commands.c for the table). */
#ifndef VDI_STATIONCTL_H
#define VDI_STATIONCTL_H

#include "admin_path.h"

#define STATIONCTL_DEFAULT_FILE	 "/etc/vdi-station/stations.conf"
#define STATIONCTL_DEFAULT_USERS "/etc/vdi-station/users"
/* The first place looked at; admin_path.h has the others. */
#define STATIONCTL_DEFAULT_SOCKET	   ADMIN_PATH_DEFAULT
#define STATIONCTL_DEFAULT_LOCK_TIMEOUT_MS 10000

/* Exit codes. Distinct so that scripts can tell a typo from a busy file or a
 * stopped broker; docs/stationctl.md lists them. */
enum stationctl_exit {
	STATIONCTL_EXIT_OK = 0,
	STATIONCTL_EXIT_INVALID = 1,  /* bad input, invalid file, failed check */
	STATIONCTL_EXIT_USAGE = 2,    /* unknown command/option, missing argument */
	STATIONCTL_EXIT_BROKER = 3,   /* broker unreachable or answered garbage */
	STATIONCTL_EXIT_LOCK = 4,     /* another edit held the lock too long */
	STATIONCTL_EXIT_IO = 5,	      /* a file could not be read or written */
	STATIONCTL_EXIT_NOTFOUND = 6, /* no such section, user, unknown station */
	STATIONCTL_EXIT_EXISTS = 7,   /* add of a section that is already there */
};

struct stationctl_ctx {
	const char *stations_file;
	const char *users_file;
	const char *admin_socket;
	int lock_timeout_ms;
};

/* Command entry points. argv[0] is the command name; each returns an exit
 * code from enum stationctl_exit. */
int stationctl_list_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_show_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_explain_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_edit_add_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_edit_set_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_edit_del_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_revert_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_check_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_unknown_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_adopt_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_status_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_passwd_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_import_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_maint_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_populate_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_pool_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_personal_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_sessions_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_disconnect_main(const struct stationctl_ctx *ctx, int argc, char **argv);
int stationctl_reload_main(const struct stationctl_ctx *ctx, int argc, char **argv);

#endif
