/* The one function of a stand-in library (initramfs/mk/codec-stubs.sh):
 * every function the stand-in exports jumps here with its own name. They
 * exist only so that the libraries linking them load; reaching one means
 * the station was asked for something its image left out, so it says
 * which, in one line, and stops. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef CODEC_STUB_LIBRARY
#error "CODEC_STUB_LIBRARY must name the library this stands in for"
#endif

__attribute__((visibility("hidden"), noreturn)) void codec_stub_called(const char *symbol);

void codec_stub_called(const char *symbol)
{
	char line[512];
	int n = snprintf(line, sizeof(line),
			 "vdi-station: %s() called, but %s is not in this image "
			 "(a stand-in without code; see docs/station-image.md)\n",
			 symbol, CODEC_STUB_LIBRARY);

	if (n > 0)
		(void)!write(STDERR_FILENO, line,
			     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	abort();
}
