/* Aligned column output. Cells are sanitized on the way in, so a host name
 * or a broker reply cannot inject terminal escapes or extra lines. */
#include "stationctl_table.h"

#include <stdlib.h>
#include <string.h>

#include "stationctl_util.h"

#define STATIONCTL_TABLE_CELL_MAX 512

struct stationctl_table {
	size_t ncols;
	char **cells; /* rows * ncols, row 0 is the header */
	size_t rows, cap;
	size_t *width;
};

static int stationctl_table_push(struct stationctl_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		char buf[STATIONCTL_TABLE_CELL_MAX];
		size_t w;

		stationctl_util_printable(cells[i] && cells[i][0] ? cells[i] : "-", buf,
					  sizeof(buf));
		t->cells[t->rows * t->ncols + i] = strdup(buf);
		if (!t->cells[t->rows * t->ncols + i]) {
			while (i-- > 0)
				free(t->cells[t->rows * t->ncols + i]);
			return -1;
		}
		w = strlen(buf);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->rows++;
	return 0;
}

struct stationctl_table *stationctl_table_new(size_t ncols, const char *const *header)
{
	struct stationctl_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->width = calloc(ncols, sizeof(*t->width));
	if (!t->width || stationctl_table_push(t, header) < 0) {
		stationctl_table_free(t);
		return NULL;
	}
	return t;
}

int stationctl_table_add(struct stationctl_table *t, const char *const *cells)
{
	return stationctl_table_push(t, cells);
}

size_t stationctl_table_rows(const struct stationctl_table *t)
{
	return t->rows - 1;
}

void stationctl_table_print(const struct stationctl_table *t, FILE *out, int no_header)
{
	for (size_t r = no_header ? 1 : 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			/* No padding after the last column: no trailing blanks. */
			if (c + 1 == t->ncols)
				fprintf(out, "%s\n", cell);
			else
				fprintf(out, "%-*s  ", (int)t->width[c], cell);
		}
	}
}

void stationctl_table_free(struct stationctl_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}
