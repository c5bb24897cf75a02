/* Inside a layer of settings: what the file that keeps layers
 * (launcher_config_layer.c) and the one that applies them
 * (launcher_config.c) share. Everyone else uses the calls in
 * launcher_config.h. */
#ifndef LAUNCHER_CONFIG_LAYER_H
#define LAUNCHER_CONFIG_LAYER_H

#include <glib.h>

#include "launcher_config.h"

struct config_item {
	char *key, *value, *where;
};

struct LauncherConfigLayer {
	char *source; /* "command line", "kernel command line", a path */
	GArray *items;
};

#endif
