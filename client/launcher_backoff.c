/* Retry delays: see launcher_backoff.h. */
#include "launcher_backoff.h"

#include <glib.h>

void launcher_backoff_init(LauncherBackoff *b, int base, int max)
{
	b->base = MAX(base, 1);
	b->max = MAX(max, b->base);
	b->attempt = 0;
}

int launcher_backoff_next(LauncherBackoff *b)
{
	int d = b->base;

	for (int i = 0; i < b->attempt && d < b->max; i++)
		d *= 2;
	d = MIN(d, b->max);
	if (b->attempt < 30)
		b->attempt++;
	if (d >= 10)
		d = MIN(d + g_random_int_range(0, d / 10 + 1), b->max);
	return d;
}

void launcher_backoff_reset(LauncherBackoff *b)
{
	b->attempt = 0;
}

int launcher_backoff_after(LauncherBackoff *b, int retry_after)
{
	if (retry_after < 0)
		return launcher_backoff_next(b);
	return CLAMP(retry_after, 1, b->max);
}
