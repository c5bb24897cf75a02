/* Time helpers: see broker_time.h. */
#include <string.h>

#include "broker_time.h"

void broker_time_format(time_t t, char out[BROKER_TIME_STR_LEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, BROKER_TIME_STR_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		strcpy(out, "1970-01-01T00:00:00Z");
	}
}

time_t broker_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

long long broker_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t broker_time_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}
