/* add, set and del: the section edits, each one stationctl_txn edit. */
#ifndef VDI_STATIONCTL_EDIT_H
#define VDI_STATIONCTL_EDIT_H

#include <stddef.h>

#include "stations.h"

/* Adds section t with the keys to doc, with the messages and exit codes of
 * `add` (STATIONCTL_EXIT_EXISTS when the section is there). adopt uses it. */
int stationctl_edit_apply_add(struct st_doc *doc, const struct st_target *t, char *const *kvs,
			      size_t n, const char *file);

#endif
