/* revert: put FILE.prev back; reversible because the current version
 * becomes the new FILE.prev. */
#include <stdbool.h>
#include <stdio.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_txn.h"

int stationctl_revert_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	bool changed = false;
	int ret;

	if (argc > 1)
		return stationctl_commands_usage_error(argv[0]);
	ret = stationctl_txn_revert(ctx, &changed);
	if (ret)
		return ret;
	if (changed)
		printf("reverted %s to its previous version (the replaced one is now %s.prev)\n",
		       ctx->stations_file, ctx->stations_file);
	else
		printf("%s is the same as %s.prev; nothing to revert\n", ctx->stations_file,
		       ctx->stations_file);
	return STATIONCTL_EXIT_OK;
}
