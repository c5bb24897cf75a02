/* Atomic replacement keeps the previous version and leaves no temp files;
 * the lock times out instead of hanging; capped reads refuse big files. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

static char *tmpdir;

static char *path_in(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static void test_replace(void)
{
	g_autofree char *p = path_in("stations.conf");
	g_autofree char *prev = path_in("stations.conf.prev");
	char *text;
	size_t len;

	g_assert_cmpint(file_replace_atomic(p, "one\n", 4, 0640, 1), ==, 0);
	g_assert_false(g_file_test(prev, G_FILE_TEST_EXISTS)); /* nothing to keep yet */
	g_assert_cmpint(file_replace_atomic(p, "two\n", 4, 0640, 1), ==, 0);
	g_assert_cmpint(file_read_capped(p, 100, &text, &len), ==, 0);
	g_assert_cmpstr(text, ==, "two\n");
	g_free(text);
	g_assert_cmpint(file_read_capped(prev, 100, &text, &len), ==, 0);
	g_assert_cmpstr(text, ==, "one\n");
	g_free(text);

	struct stat st;
	g_assert_cmpint(stat(p, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0640);

	/* No temp file is left behind. */
	GDir *d = g_dir_open(tmpdir, 0, NULL);
	const char *name;
	while ((name = g_dir_read_name(d)))
		g_assert_null(strstr(name, ".tmp."));
	g_dir_close(d);

	/* A stale temp from a killed editor is removed. */
	g_autofree char *stale = path_in("stations.conf.tmp.AbC123");
	g_assert_true(g_file_set_contents(stale, "partial", -1, NULL));
	file_remove_stale_temps(p);
	g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(p, G_FILE_TEST_EXISTS));
}

static void test_read_cap(void)
{
	g_autofree char *p = path_in("big");
	char *text = NULL;
	size_t len;
	g_assert_true(g_file_set_contents(p, "0123456789", -1, NULL));
	g_assert_cmpint(file_read_capped(p, 9, &text, &len), ==, -1);
	g_assert_cmpint(errno, ==, EFBIG);
	g_assert_cmpint(file_read_capped(p, 10, &text, &len), ==, 0);
	g_assert_cmpuint(len, ==, 10);
	g_free(text);
	g_assert_cmpint(file_read_capped(tmpdir, 10, &text, &len), ==, -1); /* a directory */
}

static void test_lock(void)
{
	g_autofree char *p = path_in("locked");
	int a = file_lock(p, 1000);
	g_assert_cmpint(a, >=, 0);
	/* flock locks belong to the open file description: a second open in the
	 * same process conflicts, as another process would. */
	int b = file_lock(p, 50);
	g_assert_cmpint(b, ==, -1);
	g_assert_cmpint(errno, ==, ETIMEDOUT);
	file_unlock(a);
	b = file_lock(p, 50);
	g_assert_cmpint(b, >=, 0);
	file_unlock(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("vdi-fileio-XXXXXX", NULL);
	g_test_add_func("/fileio/replace", test_replace);
	g_test_add_func("/fileio/read-cap", test_read_cap);
	g_test_add_func("/fileio/lock", test_lock);
	int r = g_test_run();
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		r = r ? r : 1;
	return r;
}
