/* Where a broker puts its admin socket and its state when the command line
 * does not say: the same places whether systemd starts it or an admin runs
 * it by hand, made with safe permissions, with a documented fallback for a
 * user who cannot write /run or /var/lib (docs/operations.md). Fallbacks
 * are logged, so the admin learns where things went. */
#ifndef BROKER_PATHS_H
#define BROKER_PATHS_H

#include <limits.h>
#include <stddef.h>

#include "admin_path.h"
#include "broker_opts.h"

/* The admin socket: --admin-socket as given (its folder must exist, unless
 * it is the default folder, which is made), else the first usable folder
 * of admin_path.h. 0, or -1 with err. */
int broker_paths_admin_socket(const struct broker_opts *o, char out[ADMIN_PATH_MAX], char *err,
			      size_t errlen);

/* The state folder: --state-dir as given (made when first needed, as
 * before), else /var/lib/vdi-broker, $XDG_STATE_HOME/vdi-broker or
 * $HOME/.local/state/vdi-broker, the first that can be made or used
 * (mode 0700, owned by this user). 0, or -1 with err. */
int broker_paths_state_dir(const struct broker_opts *o, char out[PATH_MAX], char *err,
			   size_t errlen);

#endif
