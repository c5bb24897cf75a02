/* An empty ICU data table. libxml2 (through spice-gtk's folder sharing,
 * which the launcher keeps off) links ICU; ICU's code comes with a 30 MB
 * table of character sets, locales and collation rules that nothing on the
 * station looks at. This library takes that table's place: it has the
 * table's name and a valid header with no entries, so ICU loads, and any
 * lookup fails cleanly with U_FILE_ACCESS_ERROR. ICU itself supports this
 * set-up (an application "without data"); the format is ICU's common data
 * header, "ToCP" version 1. See initramfs/mk/icu.sh. */
#include <stdint.h>

#ifndef ICU_VERSION
#error "build with -DICU_VERSION=NN (the major version of Debian's libicu)"
#endif

#define ICU_DATA_NAME_(v) icudt##v##_dat
#define ICU_DATA_NAME(v)  ICU_DATA_NAME_(v)

struct icu_common_data {
	/* MappedData: the size of everything before the table, and ICU's magic. */
	uint16_t header_size;
	uint8_t magic1, magic2;
	/* UDataInfo */
	uint16_t info_size, info_reserved;
	uint8_t big_endian, charset_family, sizeof_uchar, info_reserved_byte;
	uint8_t data_format[4], format_version[4], data_version[4];
	uint8_t padding[8];
	/* The table of contents: no entries. */
	uint32_t count, toc_reserved;
};

_Static_assert(sizeof(struct icu_common_data) == 40, "ICU header layout");

__attribute__((visibility("default"), aligned(16)))
const struct icu_common_data ICU_DATA_NAME(ICU_VERSION) = {
    .header_size = 32,
    .magic1 = 0xda,
    .magic2 = 0x27,
    .info_size = 20,
    .big_endian = 0,	 /* x86 */
    .charset_family = 0, /* ASCII */
    .sizeof_uchar = 2,
    .data_format = {'T', 'o', 'C', 'P'},
    .format_version = {1, 0, 0, 0},
};
