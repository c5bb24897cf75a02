/* Column output for list, status and unknown: one row per line, columns
 * padded to the widest cell, "-" for empty cells, so that the output reads
 * well and splits well with awk or cut. */
#ifndef VDI_STATIONCTL_TABLE_H
#define VDI_STATIONCTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct stationctl_table;

struct stationctl_table *stationctl_table_new(size_t ncols, const char *const *header);
/* Adds one row of ncols cells (NULL or "" print as "-"). Cells are copied
 * and made printable. 0 or -1 (out of memory). */
int stationctl_table_add(struct stationctl_table *t, const char *const *cells);
size_t stationctl_table_rows(const struct stationctl_table *t);
/* Prints the header (unless no_header) and every row. */
void stationctl_table_print(const struct stationctl_table *t, FILE *out, int no_header);
void stationctl_table_free(struct stationctl_table *t);

#endif
