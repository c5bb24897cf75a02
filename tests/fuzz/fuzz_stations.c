/* libFuzzer target: the stations file parser, config builder and matcher.
 * Beyond "no crash": writing a parsed file back and parsing that again must
 * give the same text, or stationctl edits would drift a file over time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stations.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_diags d = {0}, d2 = {0};
	struct st_doc *doc = st_doc_parse((const char *)data, size, "fuzz", &d);
	if (!doc)
		return 0;
	struct st_config *cfg = st_config_build(doc, "/nonexistent", &d);
	if (cfg) {
		uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
		struct ipaddr ip;
		ip_parse("10.1.2.3", &ip);
		st_config_match(cfg, mac, &ip, "st-01");
		st_config_match(cfg, NULL, NULL, NULL);
		for (size_t i = 0; i < st_config_count(cfg); i++) {
			const struct st_entry *e = st_config_entry(cfg, i);
			struct st_target t;
			st_match_target(&e->target, &t);
			if (st_config_find(cfg, &t) != e)
				abort();
		}
		st_config_free(cfg);
	}
	size_t len1, len2;
	char *text1 = st_doc_serialize(doc, &len1);
	struct st_doc *doc2 = st_doc_parse(text1, len1, "fuzz", &d2);
	char *text2 = st_doc_serialize(doc2, &len2);
	if (len1 != len2 || memcmp(text1, text2, len1) != 0)
		abort();
	free(text1);
	free(text2);
	st_doc_free(doc2);
	st_doc_free(doc);
	st_diags_free(&d);
	st_diags_free(&d2);
	return 0;
}
