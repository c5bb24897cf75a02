/* Retry delays: doubling from a base up to a cap, so that a hundred stations
 * do not hammer a broker that is coming back up. */
#ifndef LAUNCHER_BACKOFF_H
#define LAUNCHER_BACKOFF_H

typedef struct {
	int base; /* seconds, >= 1 */
	int max;  /* seconds, >= base */
	int attempt;
} LauncherBackoff;

void launcher_backoff_init(LauncherBackoff *b, int base, int max);
/* The next delay: base, 2*base, 4*base ... up to max. From 10 s on, up to a
 * tenth is added at random (still within max) to spread stations out. */
int launcher_backoff_next(LauncherBackoff *b);
/* After a success. */
void launcher_backoff_reset(LauncherBackoff *b);
/* A delay the broker asked for (retry_after), within [1, max]; when the
 * broker gave none (< 0), the next back-off delay. */
int launcher_backoff_after(LauncherBackoff *b, int retry_after);

#endif
