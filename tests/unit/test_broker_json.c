/* The JSON writer (tools/broker/broker_json.c): escaping as a table of
 * input → output, structure and commas, raw fragments, and that everything
 * it writes parses back with json-c. */
#include <glib.h>
#include <json-c/json.h>
#include <string.h>

#include "broker_json.h"

struct esc_case {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
};

#define ESC(n, i, o)                                                                               \
	{                                                                                          \
		(n), (i), sizeof(i) - 1, (o)                                                       \
	}

static const struct esc_case esc_cases[] = {
    ESC("plain", "hello", "\"hello\""),
    ESC("empty", "", "\"\""),
    ESC("quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\""),
    ESC("newline tab cr", "a\nb\tc\rd", "\"a\\nb\\tc\\rd\""),
    ESC("other control", "\x01\x1f", "\"\\u0001\\u001f\""),
    ESC("delete kept", "\x7f", "\"\x7f\""),
    ESC("slash not escaped", "a/b", "\"a/b\""),
    ESC("utf-8 2 bytes", "caf\xc3\xa9", "\"caf\xc3\xa9\""),
    ESC("utf-8 3 bytes", "\xe2\x82\xac", "\"\xe2\x82\xac\""),
    ESC("utf-8 4 bytes", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),
    ESC("invalid byte", "a\xffz", "\"a\\ufffdz\""),
    ESC("lone continuation", "\x80", "\"\\ufffd\""),
    ESC("truncated sequence", "\xe2\x82", "\"\\ufffd\\ufffd\""),
    ESC("overlong", "\xc0\xaf", "\"\\ufffd\\ufffd\""),
    ESC("overlong 3", "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""),
    ESC("surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""),
    ESC("above U+10FFFF", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""),
    ESC("embedded NUL", "a\0b", "\"a\\u0000b\""),
};

static void test_escape(gconstpointer data)
{
	const struct esc_case *c = data;
	struct broker_json j;
	char *s;
	size_t len;
	json_object *o;

	broker_json_init(&j, 0);
	broker_json_strn(&j, c->in, c->len);
	s = broker_json_take(&j, &len);
	g_assert_nonnull(s);
	g_assert_cmpstr(s, ==, c->out);
	g_assert_cmpuint(len, ==, strlen(c->out));
	/* And it is JSON that a strict parser takes. */
	o = json_tokener_parse(s);
	g_assert_nonnull(o);
	g_assert_true(json_object_is_type(o, json_type_string));
	json_object_put(o);
	free(s);
}

static void test_structure(void)
{
	struct broker_json j;
	char *s;

	broker_json_init(&j, 4);
	broker_json_open(&j);
	broker_json_kv_str(&j, "a", "x");
	broker_json_kv_uint(&j, "n", 18446744073709551615ull);
	broker_json_kv_bool(&j, "t", true);
	broker_json_kv_bool(&j, "f", false);
	broker_json_key(&j, "z");
	broker_json_null(&j);
	broker_json_kv_str_opt(&j, "skipped", NULL);
	broker_json_key(&j, "list");
	broker_json_open_array(&j);
	broker_json_uint(&j, 1);
	broker_json_open(&j);
	broker_json_close(&j);
	broker_json_open_array(&j);
	broker_json_close_array(&j);
	broker_json_str(&j, NULL);
	broker_json_close_array(&j);
	broker_json_close(&j);
	s = broker_json_take(&j, NULL);
	g_assert_cmpstr(s, ==,
			"{\"a\":\"x\",\"n\":18446744073709551615,\"t\":true,\"f\":false,\"z\":null,"
			"\"list\":[1,{},[],null]}");
	free(s);
}

/* Fragments: raw text that leaves an object open, then resume. */
static void test_raw_resume(void)
{
	struct broker_json j;
	char *s;

	broker_json_init(&j, 0);
	broker_json_raw(&j, "{\"a\":1", 6);
	broker_json_resume(&j);
	broker_json_kv_uint(&j, "b", 2);
	broker_json_close(&j);
	s = broker_json_take(&j, NULL);
	g_assert_cmpstr(s, ==, "{\"a\":1,\"b\":2}");
	free(s);
}

/* Misuse is a failure, never a crash or broken text. */
static void test_misuse(void)
{
	struct broker_json j;
	int i;

	broker_json_init(&j, 0);
	broker_json_close(&j);
	g_assert_null(broker_json_take(&j, NULL));

	broker_json_init(&j, 0);
	for (i = 0; i < BROKER_JSON_DEPTH + 1; i++)
		broker_json_open_array(&j);
	g_assert_null(broker_json_take(&j, NULL));
}

static void test_large(void)
{
	struct broker_json j;
	char *s;
	size_t len;
	int i;
	json_object *o;

	broker_json_init(&j, 0);
	broker_json_open_array(&j);
	for (i = 0; i < 10000; i++)
		broker_json_str(&j, "0123456789\n");
	broker_json_close_array(&j);
	s = broker_json_take(&j, &len);
	g_assert_cmpuint(len, ==, 2 + 10000 * 15 - 1);
	o = json_tokener_parse(s);
	g_assert_cmpuint(json_object_array_length(o), ==, 10000);
	json_object_put(o);
	free(s);
}

int main(int argc, char **argv)
{
	size_t i;
	char *path;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	for (i = 0; i < G_N_ELEMENTS(esc_cases); i++) {
		path = g_strdup_printf("/broker/json/escape/%s", esc_cases[i].name);
		g_test_add_data_func(path, &esc_cases[i], test_escape);
		g_free(path);
	}
	g_test_add_func("/broker/json/structure", test_structure);
	g_test_add_func("/broker/json/raw-resume", test_raw_resume);
	g_test_add_func("/broker/json/misuse", test_misuse);
	g_test_add_func("/broker/json/large", test_large);
	return g_test_run();
}
