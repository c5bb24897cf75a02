/* vdi-broker: tells VDI Station thin clients which desktop is theirs.
 * Everything but option handling lives in libvdibroker (tools/broker). */
#include <stdio.h>

#include "broker_daemon.h"
#include "broker_opts.h"

int main(int argc, char **argv)
{
	struct broker_opts o;

	switch (broker_opts_parse(argc, argv, &o, stdout, stderr)) {
	case BROKER_OPTS_RUN:
		break;
	case BROKER_OPTS_EXIT_OK:
		return 0;
	case BROKER_OPTS_EXIT_USAGE:
	default:
		return 2;
	}
	return broker_daemon_run(&o);
}
