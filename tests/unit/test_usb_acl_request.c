/* The USB ACL helper's request line, as spice-gtk writes it and as a
 * hostile caller might: only "BUS DEV\n" in range is taken. */
#include <glib.h>
#include <string.h>

#include "usb_acl_request.h"

static const struct {
	const char *line;
	int ok, bus, dev;
} cases[] = {
    {"1 2\n", 1, 1, 2},
    {"3 127\n", 1, 3, 127},
    {"255 1\n", 1, 255, 1},
    {"12 34\n", 1, 12, 34},
    {"1 2", 0, 0, 0},	    /* no newline */
    {"1 2\n\n", 0, 0, 0},   /* a second line */
    {"1  2\n", 0, 0, 0},    /* two spaces */
    {" 1 2\n", 0, 0, 0},    /* leading space */
    {"1 2 \n", 0, 0, 0},    /* trailing space */
    {"1 2\r\n", 0, 0, 0},   /* CR */
    {"1\t2\n", 0, 0, 0},    /* tab */
    {"0 2\n", 0, 0, 0},	    /* bus 0 */
    {"1 0\n", 0, 0, 0},	    /* address 0 */
    {"256 1\n", 0, 0, 0},   /* bus out of range */
    {"1 128\n", 0, 0, 0},   /* address out of range */
    {"001 002\n", 0, 0, 0}, /* leading zeros */
    {"-1 2\n", 0, 0, 0},
    {"+1 2\n", 0, 0, 0},
    {"1 -2\n", 0, 0, 0},
    {"1000 1\n", 0, 0, 0},
    {"4294967297 1\n", 0, 0, 0}, /* would wrap an int */
    {"1 2x\n", 0, 0, 0},
    {"1/../2 3\n", 0, 0, 0},
    {"a b\n", 0, 0, 0},
    {"\n", 0, 0, 0},
    {"", 0, 0, 0},
    {"1 2 3\n", 0, 0, 0},
    {"0x1 2\n", 0, 0, 0},
    {"1 2\n1 2\n1 2\n1 2\n", 0, 0, 0}, /* longer than the cap */
};

static void test_request_table(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int bus = -1, dev = -1;
		int r = usb_acl_request_parse(cases[i].line, strlen(cases[i].line), &bus, &dev);

		g_autofree char *shown = g_strescape(cases[i].line, NULL);

		g_test_message("case %zu: \"%s\"", i, shown);
		if (cases[i].ok) {
			g_assert_cmpint(r, ==, 0);
			g_assert_cmpint(bus, ==, cases[i].bus);
			g_assert_cmpint(dev, ==, cases[i].dev);
		} else {
			g_assert_cmpint(r, ==, -1);
			g_assert_cmpint(bus, ==, -1);
			g_assert_cmpint(dev, ==, -1);
		}
	}
}

/* A NUL inside the line is not the end of it. */
static void test_request_nul(void)
{
	static const char line[] = {'1', ' ', '2', '\0', '\n'};
	int bus = -1, dev = -1;

	g_assert_cmpint(usb_acl_request_parse(line, sizeof(line), &bus, &dev), ==, -1);
	g_assert_cmpint(usb_acl_request_parse(NULL, 4, &bus, &dev), ==, -1);
}

static void test_request_path(void)
{
	char path[USB_ACL_PATH_MAX];

	g_assert_cmpint(usb_acl_request_path(1, 2, path, sizeof(path)), ==, 0);
	g_assert_cmpstr(path, ==, "/dev/bus/usb/001/002");
	g_assert_cmpint(usb_acl_request_path(255, 127, path, sizeof(path)), ==, 0);
	g_assert_cmpstr(path, ==, "/dev/bus/usb/255/127");
	g_assert_cmpint(usb_acl_request_path(0, 1, path, sizeof(path)), ==, -1);
	g_assert_cmpint(usb_acl_request_path(1, 128, path, sizeof(path)), ==, -1);
	g_assert_cmpint(usb_acl_request_path(1, 2, path, 20), ==, -1); /* no room for NUL */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/usb_acl/request/table", test_request_table);
	g_test_add_func("/usb_acl/request/nul", test_request_nul);
	g_test_add_func("/usb_acl/request/path", test_request_path);
	return g_test_run();
}
