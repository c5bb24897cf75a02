/* The users file as the broker sees it: users_set writes what `stationctl
 * passwd` writes, users_check answers logins. */
#include <crypt.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "users.h"

struct fixture {
	char *dir;
	char *path;
};

static void fixture_setup(struct fixture *f, gconstpointer data)
{
	GError *error = NULL;

	f->dir = g_dir_make_tmp("test_users.XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "users", NULL);
}

static void fixture_teardown(struct fixture *f, gconstpointer data)
{
	GDir *d = g_dir_open(f->dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		char *p = g_build_filename(f->dir, name, NULL);

		g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

static void write_file(const char *path, const char *text)
{
	GError *error = NULL;

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
}

static char *read_file(const char *path)
{
	GError *error = NULL;
	char *text = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	return text;
}

static void test_name_valid(void)
{
	static const struct {
		const char *name;
		bool valid;
	} cases[] = {
	    {"alice", true},
	    {"a", true},
	    {"Alice.Smith", true},
	    {"bob_2@example.org", true},
	    {"x-y", true},
	    {"", false},
	    {"-alice", false},
	    {".alice", false},
	    {"al ice", false},
	    {"al:ice", false},
	    {"al\nice", false},
	    {"älice", false},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true}, /* 64 */
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("case %zu", i);
		g_assert_cmpint(users_name_valid(cases[i].name), ==, cases[i].valid);
	}
	g_assert_false(users_name_valid(NULL));
}

static void test_set_and_check(struct fixture *f, gconstpointer data)
{
	char err[256] = "";
	struct stat st;
	char *text;

	g_assert_cmpint(users_check(f->path, "alice", "x"), ==, -1); /* no file yet */
	g_assert_cmpint(users_set(f->path, "alice", "correct horse", err, sizeof(err)), ==, 0);
	g_assert_cmpint(users_set(f->path, "bob", "s3cret: with # and spaces ", err, sizeof(err)),
			==, 0);

	g_assert_cmpint(users_check(f->path, "alice", "correct horse"), ==, 1);
	g_assert_cmpint(users_check(f->path, "alice", "correct horse "), ==, 0);
	g_assert_cmpint(users_check(f->path, "alice", "Correct horse"), ==, 0);
	g_assert_cmpint(users_check(f->path, "alice", ""), ==, 0);
	g_assert_cmpint(users_check(f->path, "bob", "s3cret: with # and spaces "), ==, 1);
	g_assert_cmpint(users_check(f->path, "bob", "correct horse"), ==, 0);
	g_assert_cmpint(users_check(f->path, "carol", "correct horse"), ==, 0);
	g_assert_cmpint(users_check(f->path, "ALICE", "correct horse"), ==, 0);
	g_assert_cmpint(users_check(f->path, "bad name", "x"), ==, 0);

	/* yescrypt, one line per user, mode 0600. */
	text = read_file(f->path);
	g_assert_true(g_str_has_prefix(text, "alice:$y$"));
	g_assert_nonnull(strstr(text, "\nbob:$y$"));
	g_assert_null(strstr(text, "correct horse"));
	g_free(text);
	g_assert_cmpint(stat(f->path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);

	/* A new password replaces the old one. */
	g_assert_cmpint(users_set(f->path, "alice", "battery staple", err, sizeof(err)), ==, 0);
	g_assert_cmpint(users_check(f->path, "alice", "battery staple"), ==, 1);
	g_assert_cmpint(users_check(f->path, "alice", "correct horse"), ==, 0);
	g_assert_cmpint(users_check(f->path, "bob", "s3cret: with # and spaces "), ==, 1);

	/* Removal. */
	g_assert_cmpint(users_set(f->path, "alice", NULL, err, sizeof(err)), ==, 0);
	g_assert_cmpint(users_check(f->path, "alice", "battery staple"), ==, 0);
	g_assert_cmpint(users_check(f->path, "bob", "s3cret: with # and spaces "), ==, 1);
	errno = 0;
	g_assert_cmpint(users_set(f->path, "alice", NULL, err, sizeof(err)), ==, -1);
	g_assert_cmpint(errno, ==, ENOENT);
	g_assert_nonnull(strstr(err, "no user 'alice'"));
}

static void test_set_rejects(struct fixture *f, gconstpointer data)
{
	char err[256] = "";
	char *longpw = g_strnfill(PASSWORD_MAX + 1, 'p');
	char *maxpw = g_strnfill(PASSWORD_MAX, 'p');

	errno = 0;
	g_assert_cmpint(users_set(f->path, "-x", "pw", err, sizeof(err)), ==, -1);
	g_assert_cmpint(errno, ==, EINVAL);
	g_assert_cmpint(users_set(f->path, "alice", "", err, sizeof(err)), ==, -1);
	g_assert_cmpint(errno, ==, EINVAL);
	g_assert_cmpint(users_set(f->path, "alice", longpw, err, sizeof(err)), ==, -1);
	g_assert_cmpint(errno, ==, EINVAL);
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));

	g_assert_cmpint(users_set(f->path, "alice", maxpw, err, sizeof(err)), ==, 0);
	g_assert_cmpint(users_check(f->path, "alice", maxpw), ==, 1);
	/* Over-long passwords never match (and cost a hash all the same). */
	g_assert_cmpint(users_check(f->path, "alice", longpw), ==, 0);
	g_free(longpw);
	g_free(maxpw);
}

/* Hashes copied from elsewhere (/etc/shadow) work: any method libcrypt has. */
static void test_other_hashes(struct fixture *f, gconstpointer data)
{
	struct crypt_data *cd = g_new0(struct crypt_data, 1);
	char *text;
	const char *sha512 = crypt_rn("hunter2", "$6$abcdefgh$", cd, sizeof(*cd));

	g_assert_nonnull(sha512);
	g_assert_true(g_str_has_prefix(sha512, "$6$abcdefgh$"));
	text = g_strdup_printf("# users of the test broker\n"
			       "\n"
			       "dave:%s\n"
			       "erin:!%s\n"
			       "frank:*\n"
			       "grace:$unknown$method$xyz\n",
			       sha512, sha512);
	write_file(f->path, text);
	g_free(text);

	g_assert_cmpint(users_check(f->path, "dave", "hunter2"), ==, 1);
	g_assert_cmpint(users_check(f->path, "dave", "hunter3"), ==, 0);
	g_assert_cmpint(users_check(f->path, "erin", "hunter2"), ==, 0); /* locked */
	g_assert_cmpint(users_check(f->path, "frank", "*"), ==, 0);	 /* no password */
	g_assert_cmpint(users_check(f->path, "grace", "xyz"), ==, 0);	 /* unsupported */
	g_free(cd);
}

/* users_set keeps comments and other users' lines as they are. */
static void test_set_keeps_lines(struct fixture *f, gconstpointer data)
{
	char err[256] = "";
	char *text;

	write_file(f->path, "# managed by stationctl passwd\n"
			    "dave:$6$abcdefgh$xyz\n"
			    "\n"
			    "# the night shift\n"
			    "erin:!$6$abcdefgh$xyz");
	g_assert_cmpint(users_set(f->path, "zoe", "pw", err, sizeof(err)), ==, 0);
	g_assert_cmpint(users_set(f->path, "dave", NULL, err, sizeof(err)), ==, 0);
	text = read_file(f->path);
	g_assert_true(g_str_has_prefix(text, "# managed by stationctl passwd\n"
					     "\n"
					     "# the night shift\n"
					     "erin:!$6$abcdefgh$xyz\n"
					     "zoe:$y$"));
	g_assert_true(g_str_has_suffix(text, "\n"));
	g_free(text);
}

/* A malformed file is an error for both: check says -1, set refuses and
 * leaves it alone. */
static void test_malformed(struct fixture *f, gconstpointer data)
{
	static const char *const bad[] = {
	    "alice\n", "alice:\n", ":$y$abc\n", "bad name:$y$abc\n", "alice:$y$ab c\n",
	};
	char err[256] = "";

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *text = g_strconcat("ok:$6$abcdefgh$xyz\n", bad[i], NULL);
		char *after;

		g_test_message("case %zu", i);
		write_file(f->path, text);
		g_assert_cmpint(users_check(f->path, "ok", "x"), ==, -1);
		errno = 0;
		g_assert_cmpint(users_set(f->path, "zoe", "pw", err, sizeof(err)), ==, -1);
		g_assert_cmpint(errno, ==, EINVAL);
		g_assert_nonnull(strstr(err, ":2: malformed line"));
		after = read_file(f->path);
		g_assert_cmpstr(after, ==, text);
		g_free(after);
		g_free(text);
	}
}

static double time_check(const char *path, const char *name, const char *pw, int rounds)
{
	gint64 start = g_get_monotonic_time();

	for (int i = 0; i < rounds; i++)
		(void)users_check(path, name, pw);
	return (double)(g_get_monotonic_time() - start) / rounds;
}

/* An unknown user costs a hash like a known one, so timing does not tell
 * which names exist. */
static void test_unknown_user_timing(struct fixture *f, gconstpointer data)
{
	char err[256] = "";
	double known, unknown, locked;

	/* bob is locked; alice gets a real yescrypt hash. */
	write_file(
	    f->path,
	    "bob:!$y$j9T$abcdefghijklmnopqrstu.$abcdefghijklmnopqrstuvwxyz0123456789ABCDEF\n");
	g_assert_cmpint(users_set(f->path, "alice", "pw", err, sizeof(err)), ==, 0);
	(void)time_check(f->path, "alice", "wrong", 1); /* warm up */
	known = time_check(f->path, "alice", "wrong", 5);
	unknown = time_check(f->path, "mallory", "wrong", 5);
	locked = time_check(f->path, "bob", "wrong", 5);
	g_test_message("known %.0f us, unknown %.0f us, locked %.0f us", known, unknown, locked);
	/* Without the dummy hash an unknown user costs microseconds against
	 * milliseconds for a yescrypt hash. */
	g_assert_cmpfloat(unknown, >, known / 3);
	g_assert_cmpfloat(unknown, <, known * 3);
	g_assert_cmpfloat(locked, >, known / 3);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/users/name_valid", test_name_valid);
	g_test_add("/users/set_and_check", struct fixture, NULL, fixture_setup, test_set_and_check,
		   fixture_teardown);
	g_test_add("/users/set_rejects", struct fixture, NULL, fixture_setup, test_set_rejects,
		   fixture_teardown);
	g_test_add("/users/other_hashes", struct fixture, NULL, fixture_setup, test_other_hashes,
		   fixture_teardown);
	g_test_add("/users/set_keeps_lines", struct fixture, NULL, fixture_setup,
		   test_set_keeps_lines, fixture_teardown);
	g_test_add("/users/malformed", struct fixture, NULL, fixture_setup, test_malformed,
		   fixture_teardown);
	g_test_add("/users/unknown_user_timing", struct fixture, NULL, fixture_setup,
		   test_unknown_user_timing, fixture_teardown);
	return g_test_run();
}
