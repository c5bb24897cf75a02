/* Build-time check of the image's FFmpeg (initramfs/mk/codec-stubs.sh):
 * loads libavcodec from the root with every symbol bound, and looks up
 * the decoders FreeRDP uses. The first lookup registers every codec
 * libavcodec has, which asks some of the stand-in libraries what they
 * support; a stand-in that aborts there would end every RDP session. */
#include <dlfcn.h>
#include <stdio.h>

typedef const void *(*find_by_name_fn)(const char *name);

int main(int argc, char **argv)
{
	find_by_name_fn find;
	void *lib;
	int bad = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: codec-check LIBAVCODEC DECODER...\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "codec-check: %s\n", dlerror());
		return 1;
	}
	find = (find_by_name_fn)dlsym(lib, "avcodec_find_decoder_by_name");
	if (!find) {
		fprintf(stderr, "codec-check: %s\n", dlerror());
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		if (!find(argv[i])) {
			fprintf(stderr, "codec-check: libavcodec has no %s decoder\n", argv[i]);
			bad = 1;
		}
	}
	if (!bad)
		printf("codec-check: decoders found:");
	for (int i = 2; !bad && i < argc; i++)
		printf(" %s", argv[i]);
	if (!bad)
		printf("\n");
	return bad;
}
