/* Time as the broker reports and measures it. */
#ifndef BROKER_TIME_H
#define BROKER_TIME_H

#include <stddef.h>
#include <time.h>

#define BROKER_TIME_STR_LEN 21 /* "2024-05-01T12:00:00Z" + NUL */

/* RFC 3339 in UTC, second precision. Prints "1970-01-01T00:00:00Z" for
 * times that cannot be represented. */
void broker_time_format(time_t t, char out[BROKER_TIME_STR_LEN]);

/* Wall clock, for timestamps shown to admins. */
time_t broker_time_now(void);

/* Monotonic milliseconds, for intervals that must not jump with the clock
 * (rate limits, debounce). */
long long broker_time_mono_ms(void);
/* Monotonic seconds. */
time_t broker_time_mono(void);

#endif
