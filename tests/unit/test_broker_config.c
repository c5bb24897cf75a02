/* Config snapshots and reload (tools/broker/broker_config.c): a good file is
 * swapped in, a bad one changes nothing, and a snapshot held by a request
 * stays valid across any number of reloads. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "broker_config.h"
#include "log.h"

static char *dir, *path;

static void write_file(const char *text)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);

	g_assert_true(g_file_set_contents(tmp, text, -1, NULL));
	g_assert_cmpint(g_rename(tmp, path), ==, 0);
	g_free(tmp);
}

static const char *name_of(struct broker_snapshot *s)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};
	const struct broker_frag *f;
	const struct st_entry *e = broker_snapshot_match(s, mac, NULL, NULL, &f);

	return e ? e->name : NULL;
}

static void test_reload(void)
{
	struct broker_config *c = broker_config_new(path);
	struct broker_snapshot *s1, *s2;
	struct st_diags d;
	char text[400];

	g_assert_null(broker_config_acquire(c));

	/* Missing file: rejected, nothing to serve. */
	g_assert_cmpint(broker_config_reload(c, "test", &d), ==, -1);
	g_assert_cmpuint(d.n, >=, 1);
	st_diags_free(&d);
	g_assert_null(broker_config_acquire(c));

	write_file("[group:g]\nhost = h\nport = 1\n"
		   "[52:54:00:00:00:01]\nname = one\ngroup = g\n"
		   "[10.0.0.0/8]\ngroup = g\n");
	g_assert_cmpint(broker_config_reload(c, "test", &d), ==, 0);
	st_diags_free(&d);
	s1 = broker_config_acquire(c);
	g_assert_nonnull(s1);
	g_assert_cmpuint(s1->mappings, ==, 2);
	g_assert_cmpuint(s1->generation, ==, 1);
	g_assert_cmpstr(name_of(s1), ==, "one");

	/* A bad file: every error reported with its line, nothing swapped. */
	write_file("[52:54:00:00:00:01]\nname = two\nhost = h\nport = 0\nbogus = 1\n");
	g_assert_cmpint(broker_config_reload(c, "test", &d), ==, -1);
	g_assert_cmpuint(d.n, ==, 2);
	broker_config_diag_text(&d, 0, text, sizeof(text));
	g_assert_true(g_str_has_prefix(text, path));
	g_assert_nonnull(strstr(text, ":4: "));
	broker_config_diag_text(&d, 1, text, sizeof(text));
	g_assert_nonnull(strstr(text, ":5: "));
	st_diags_free(&d);
	s2 = broker_config_acquire(c);
	g_assert_true(s2 == s1);
	broker_config_release(s2);

	/* A good one replaces it; the held snapshot still answers as before. */
	write_file("[52:54:00:00:00:01]\nname = three\nhost = h\nport = 2\n");
	g_assert_cmpint(broker_config_reload(c, "test", &d), ==, 0);
	st_diags_free(&d);
	s2 = broker_config_acquire(c);
	g_assert_cmpuint(s2->generation, ==, 2);
	g_assert_cmpstr(name_of(s2), ==, "three");
	g_assert_cmpstr(name_of(s1), ==, "one");
	g_assert_cmpuint(s1->mappings, ==, 2);
	broker_config_release(s1);
	broker_config_release(s2);
	g_assert_cmpstr(broker_config_path(c), ==, path);
	broker_config_free(c);
}

/* Acquire and release from several threads while reloads run: no snapshot
 * is freed while in use (ASan would see it) and none leaks. */
struct stress {
	struct broker_config *c;
	volatile int stop;
};

static gpointer reader(gpointer data)
{
	struct stress *st = data;
	struct broker_snapshot *s;
	unsigned long n = 0;

	while (!st->stop) {
		s = broker_config_acquire(st->c);
		if (s) {
			g_assert_nonnull(name_of(s));
			broker_config_release(s);
		}
		n++;
	}
	return GSIZE_TO_POINTER(n);
}

static void test_concurrent(void)
{
	struct stress st = {broker_config_new(path), 0};
	struct st_diags d;
	GThread *t[3];
	char text[200];
	int i;

	write_file("[52:54:00:00:00:01]\nname = a\nhost = h\nport = 1\n");
	g_assert_cmpint(broker_config_reload(st.c, "test", &d), ==, 0);
	st_diags_free(&d);
	for (i = 0; i < 3; i++)
		t[i] = g_thread_new("reader", reader, &st);
	for (i = 0; i < 50; i++) {
		snprintf(text, sizeof(text),
			 "[52:54:00:00:00:01]\nname = n%d\nhost = h\nport = 1\n", i);
		write_file(text);
		g_assert_cmpint(broker_config_reload(st.c, "test", &d), ==, 0);
		st_diags_free(&d);
	}
	st.stop = 1;
	for (i = 0; i < 3; i++)
		g_assert_cmpuint(GPOINTER_TO_SIZE(g_thread_join(t[i])), >, 0);
	broker_config_free(st.c);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	/* Rejections are logged at error level; keep the TAP output clean. */
	log_init("test", LOG_ERROR);
	dir = g_dir_make_tmp("broker-config-XXXXXX", NULL);
	path = g_build_filename(dir, "stations.conf", NULL);
	g_test_add_func("/broker/config/reload", test_reload);
	g_test_add_func("/broker/config/concurrent", test_concurrent);
	rc = g_test_run();
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	return rc;
}
