/* The admin socket's place and the private folders under it: made 0700
 * whatever the umask, unsafe folders refused (symlink, file, writable by
 * others, another user's), an unusable first place passed over for the
 * next, and clients finding the socket where the broker put it. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin_path.h"
#include "privdir.h"

static char *tmpdir;

static char *path_in(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	g_assert_cmpint(lstat(p, &st), ==, 0);
	return st.st_mode & 07777;
}

static void test_privdir_make(void)
{
	g_autofree char *d = path_in("made");
	char err[256];
	mode_t old = umask(0);

	/* A loose umask must not leak into the folder's mode. */
	g_assert_cmpint(privdir_ensure(d, 0, err, sizeof(err)), ==, PRIVDIR_OK);
	umask(old);
	g_assert_cmpuint(mode_of(d), ==, 0700);
	/* Again: it exists, is ours, and is accepted as it is. */
	g_assert_cmpint(privdir_ensure(d, 0, err, sizeof(err)), ==, PRIVDIR_OK);
}

static void test_privdir_refused(void)
{
	g_autofree char *file = path_in("file");
	g_autofree char *open_dir = path_in("open");
	g_autofree char *link = path_in("link");
	g_autofree char *target = path_in("target");
	g_autofree char *theirs = path_in("theirs");
	char err[512];

	g_assert_true(g_file_set_contents(file, "x", 1, NULL));
	g_assert_cmpint(privdir_ensure(file, 0, err, sizeof(err)), ==, PRIVDIR_REFUSED);
	g_assert_nonnull(strstr(err, "not a folder"));
	g_assert_nonnull(strstr(err, file));

	g_assert_cmpint(mkdir(open_dir, 0700), ==, 0);
	g_assert_cmpint(chmod(open_dir, 01777), ==, 0);
	g_assert_cmpint(privdir_ensure(open_dir, 0, err, sizeof(err)), ==, PRIVDIR_REFUSED);
	g_assert_nonnull(strstr(err, "writable by group or others"));

	g_assert_cmpint(mkdir(target, 0700), ==, 0);
	g_assert_cmpint(symlink(target, link), ==, 0);
	g_assert_cmpint(privdir_ensure(link, 0, err, sizeof(err)), ==, PRIVDIR_REFUSED);
	g_assert_nonnull(strstr(err, "symbolic link"));
	/* State folders may be links (systemd's DynamicUser= makes one). */
	g_assert_cmpint(privdir_ensure(link, PRIVDIR_FOLLOW, err, sizeof(err)), ==, PRIVDIR_OK);

	/* Another user's folder that we could write in: another program's. */
	if (geteuid() == 0) {
		g_assert_cmpint(mkdir(theirs, 0700), ==, 0);
		g_assert_cmpint(chown(theirs, 65534, 65534), ==, 0);
		g_assert_cmpint(privdir_ensure(theirs, 0, err, sizeof(err)), ==, PRIVDIR_REFUSED);
		g_assert_nonnull(strstr(err, "owned by uid 65534"));
	}
}

static void test_privdir_unavailable(void)
{
	g_autofree char *d = path_in("no-parent/sub");
	char err[256];

	g_assert_cmpint(privdir_ensure(d, 0, err, sizeof(err)), ==, PRIVDIR_UNAVAILABLE);
	g_assert_nonnull(strstr(err, d));
}

static void test_dirs_order(void)
{
	char dirs[ADMIN_PATH_DIRS][ADMIN_PATH_MAX], want[64];
	const char *saved = getenv("XDG_RUNTIME_DIR");
	g_autofree char *keep = g_strdup(saved);

	snprintf(want, sizeof(want), "/tmp/vdi-broker-%u", (unsigned)geteuid());
	g_setenv("XDG_RUNTIME_DIR", "/run/user/1000", TRUE);
	g_assert_cmpuint(admin_path_dirs(dirs, ADMIN_PATH_DIRS), ==, 3);
	g_assert_cmpstr(dirs[0], ==, "/run/vdi-broker");
	g_assert_cmpstr(dirs[1], ==, "/run/user/1000/vdi-broker");
	g_assert_cmpstr(dirs[2], ==, want);
	/* A relative value is invalid; it must not make a folder relative to
	 * wherever the broker happened to start. */
	g_setenv("XDG_RUNTIME_DIR", "run/user", TRUE);
	g_assert_cmpuint(admin_path_dirs(dirs, ADMIN_PATH_DIRS), ==, 2);
	g_assert_cmpstr(dirs[1], ==, want);
	g_unsetenv("XDG_RUNTIME_DIR");
	g_assert_cmpuint(admin_path_dirs(dirs, ADMIN_PATH_DIRS), ==, 2);
	if (keep)
		g_setenv("XDG_RUNTIME_DIR", keep, TRUE);
}

static void fill_dirs(char dirs[][ADMIN_PATH_MAX], const char *a, const char *b)
{
	g_autofree char *pa = path_in(a);
	g_autofree char *pb = path_in(b);

	g_assert_cmpuint(strlen(pa), <, ADMIN_PATH_MAX);
	g_assert_cmpuint(strlen(pb), <, ADMIN_PATH_MAX);
	snprintf(dirs[0], ADMIN_PATH_MAX, "%s", pa);
	snprintf(dirs[1], ADMIN_PATH_MAX, "%s", pb);
}

static void test_make_falls_back(void)
{
	char dirs[2][ADMIN_PATH_MAX], path[ADMIN_PATH_MAX], why[512];
	g_autofree char *second = path_in("second");
	g_autofree char *sock = g_build_filename(second, ADMIN_PATH_NAME, NULL);

	/* The first place cannot be made (no parent): the second is used,
	 * and the reason for passing over the first is kept for the log. */
	fill_dirs(dirs, "missing/first", "second");
	g_assert_cmpint(admin_path_make((const char(*)[ADMIN_PATH_MAX])dirs, 2, path, sizeof(path),
					why, sizeof(why)),
			==, 1);
	g_assert_cmpstr(path, ==, sock);
	g_assert_nonnull(strstr(why, dirs[0]));
	g_assert_cmpuint(mode_of(second), ==, 0700);
}

static void test_make_stops_at_unsafe(void)
{
	char dirs[2][ADMIN_PATH_MAX], path[ADMIN_PATH_MAX] = "", why[512];
	g_autofree char *bad = path_in("unsafe");
	g_autofree char *next = path_in("next");

	/* A tampered folder is for the admin to look at, not to work round. */
	g_assert_cmpint(mkdir(bad, 0700), ==, 0);
	g_assert_cmpint(chmod(bad, 0777), ==, 0);
	fill_dirs(dirs, "unsafe", "next");
	g_assert_cmpint(admin_path_make((const char(*)[ADMIN_PATH_MAX])dirs, 2, path, sizeof(path),
					why, sizeof(why)),
			==, -1);
	g_assert_nonnull(strstr(why, bad));
	g_assert_false(g_file_test(next, G_FILE_TEST_EXISTS));
}

static void test_check_given(void)
{
	g_autofree char *ok = path_in("admin.sock");
	g_autofree char *missing = path_in("nowhere/admin.sock");
	char err[512];

	g_assert_cmpint(admin_path_check_given(ok, err, sizeof(err)), ==, 0);
	g_assert_cmpint(admin_path_check_given("admin.sock", err, sizeof(err)), ==, 0);
	/* Any folder but the default one is the admin's to make. */
	g_assert_cmpint(admin_path_check_given(missing, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, missing));
	g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_assert_cmpint(fd, >=, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	return fd;
}

static void test_find(void)
{
	char dirs[2][ADMIN_PATH_MAX], path[ADMIN_PATH_MAX];
	g_autofree char *a = path_in("find-a");
	g_autofree char *b = path_in("find-b");
	g_autofree char *sa = g_build_filename(a, ADMIN_PATH_NAME, NULL);
	g_autofree char *sb = g_build_filename(b, ADMIN_PATH_NAME, NULL);
	int fd;

	fill_dirs(dirs, "find-a", "find-b");
	g_assert_cmpint(mkdir(a, 0700), ==, 0);
	g_assert_cmpint(mkdir(b, 0700), ==, 0);
	/* No socket anywhere: the usual place, for the error message. */
	admin_path_find((const char(*)[ADMIN_PATH_MAX])dirs, 2, path, sizeof(path));
	g_assert_cmpstr(path, ==, sa);
	/* A plain file is not a broker. */
	g_assert_true(g_file_set_contents(sa, "x", 1, NULL));
	fd = listen_at(sb);
	admin_path_find((const char(*)[ADMIN_PATH_MAX])dirs, 2, path, sizeof(path));
	g_assert_cmpstr(path, ==, sb);
	/* A later place that others could write in is not believed. */
	g_assert_cmpint(chmod(b, 0777), ==, 0);
	admin_path_find((const char(*)[ADMIN_PATH_MAX])dirs, 2, path, sizeof(path));
	g_assert_cmpstr(path, ==, sa);
	g_assert_cmpint(chmod(b, 0700), ==, 0);
	/* Nor one of another user's. */
	if (geteuid() == 0) {
		g_assert_cmpint(chown(b, 65534, 65534), ==, 0);
		admin_path_find((const char(*)[ADMIN_PATH_MAX])dirs, 2, path, sizeof(path));
		g_assert_cmpstr(path, ==, sa);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("vdi-admin-path-XXXXXX", NULL);
	g_assert_nonnull(tmpdir);
	g_test_add_func("/privdir/make", test_privdir_make);
	g_test_add_func("/privdir/refused", test_privdir_refused);
	g_test_add_func("/privdir/unavailable", test_privdir_unavailable);
	g_test_add_func("/admin_path/dirs-order", test_dirs_order);
	g_test_add_func("/admin_path/make-falls-back", test_make_falls_back);
	g_test_add_func("/admin_path/make-stops-at-unsafe", test_make_stops_at_unsafe);
	g_test_add_func("/admin_path/check-given", test_check_given);
	g_test_add_func("/admin_path/find", test_find);
	rc = g_test_run();
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	g_free(tmpdir);
	return rc;
}
