/* The daemon's life: start-up, the signal and reload loop, and a graceful
 * stop. */
#ifndef BROKER_DAEMON_H
#define BROKER_DAEMON_H

#include "broker_opts.h"

/* Runs until SIGTERM or SIGINT. Returns the process exit code: 0 after a
 * clean stop, 1 when start-up failed (the reason is logged). */
int broker_daemon_run(const struct broker_opts *o);

#endif
