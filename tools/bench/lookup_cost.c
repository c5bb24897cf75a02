/* lookup_cost: how long one station lookup takes, in process, for a given
 * stations file.
 *
 * It loads the file the way the broker does (st_doc_load, st_config_build),
 * then times st_config_match for five kinds of query, each against random
 * sections of the file so that a large file is not served from a warm cache
 * line by line:
 *
 *   mac_hot   one MAC that the file maps, asked again and again (what wrk
 *             does): the lookup's own work with every line it touches in
 *             cache, so it shows the algorithm apart from memory latency
 *   mac_hit   a random MAC that the file maps (the common case: every
 *             station sends its MAC); a peer address and host name that map
 *             nothing are passed too, as the broker would
 *   ip_hit    an unknown MAC from an address that has an exact IP section
 *   cidr_hit  an unknown MAC from an address inside a CIDR section
 *   glob_hit  an unknown MAC and address, a host name that a glob matches
 *   miss      nothing matches: the full fall-through of an unknown station
 *
 * Every answer is checked (a MAC or IP hit must return its own section), so
 * the figures cannot come from a lookup that quietly went wrong.
 *
 * Output is one "key value" pair per line (see usage()), easy to read for a
 * person and for tools/bench/run.sh. */
#include <fnmatch.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netaddr.h"
#include "stations.h"

/* Distinct queries per case. Larger than the biggest file's section count of
 * one kind would be ideal; 2^17 keeps the query array (about 6 MiB) out of
 * the L2 cache while staying quick to prepare. */
#define QUERY_COUNT	(1u << 17)
#define BATCH_TARGET_NS 40000000.0 /* one timed batch: about 40 ms */
#define BATCHES		7	   /* median of this many */
#define LOAD_REPEATS	3
#define HOST_LEN	64

enum qcase { Q_MAC_HOT, Q_MAC_HIT, Q_IP_HIT, Q_CIDR_HIT, Q_GLOB_HIT, Q_MISS, Q__COUNT };

static const char *const qcase_name[Q__COUNT] = {"mac_hot",  "mac_hit",	 "ip_hit",
						 "cidr_hit", "glob_hit", "miss"};

struct query {
	uint8_t mac[6];
	struct ipaddr ip;
	char host[HOST_LEN];
	const struct st_entry *expect; /* NULL: any non-NULL answer (or NULL for miss) */
};

struct sections {
	const struct st_entry **v[Q__COUNT]; /* by the case that targets them */
	size_t n[Q__COUNT];
	size_t groups, defaults;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: fixed seed, so every run asks the same questions. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: lookup_cost [-q] STATIONS_FILE...\n"
		"Loads each STATIONS_FILE as vdi-broker does and times st_config_match,\n"
		"alternating between the files batch by batch.\n"
		"\n"
		"  -q, --quiet   print only the key/value lines\n"
		"  -h, --help    this text\n"
		"\n"
		"Prints, for each file, one per line:\n"
		"  file PATH           the file the following lines are about\n"
		"  mappings N          station sections (groups not counted)\n"
		"  load_ms X           st_doc_load, median of %d\n"
		"  build_ms X          st_config_build, median of %d\n"
		"  CASE_ns X           ns per st_config_match, median of %d batches,\n"
		"                      for CASE in mac_hot mac_hit ip_hit cidr_hit glob_hit\n"
		"                      miss (see the top of lookup_cost.c)\n"
		"                      (\"-\" when the file has no section of that kind)\n"
		"Exit status 1 when a file does not load or an answer is wrong.\n",
		LOAD_REPEATS, LOAD_REPEATS, BATCHES);
}

/* Loads and builds once, timing both steps. */
static struct st_config *load_once(const char *path, const char *base_dir, double *load_ns,
				   double *build_ns)
{
	struct st_diags d = {0};
	struct st_doc *doc = NULL;
	struct st_config *cfg;
	double t0, t1, t2;

	t0 = now_ns();
	if (st_doc_load(path, false, &doc, &d) != 0) {
		st_diags_print(&d, stderr);
		st_diags_free(&d);
		st_doc_free(doc);
		return NULL;
	}
	t1 = now_ns();
	cfg = st_config_build(doc, base_dir, &d);
	t2 = now_ns();
	if (!cfg)
		st_diags_print(&d, stderr);
	st_diags_free(&d);
	st_doc_free(doc);
	*load_ns = t1 - t0;
	*build_ns = t2 - t1;
	return cfg;
}

static int sections_collect(const struct st_config *cfg, struct sections *s)
{
	size_t count = st_config_count(cfg);

	for (int c = 0; c < Q__COUNT; c++) {
		s->v[c] = calloc(count ? count : 1, sizeof(*s->v[c]));
		if (!s->v[c])
			return -1;
	}
	for (size_t i = 0; i < count; i++) {
		const struct st_entry *e = st_config_entry(cfg, i);
		int c;

		switch (e->target.kind) {
		case ST_MAC:
			c = Q_MAC_HIT;
			break;
		case ST_IP:
			c = Q_IP_HIT;
			break;
		case ST_CIDR:
			c = Q_CIDR_HIT;
			break;
		case ST_GLOB:
			c = Q_GLOB_HIT;
			break;
		case ST_DEFAULT:
			s->defaults++;
			continue;
		default:
			s->groups++;
			continue;
		}
		s->v[c][s->n[c]++] = e;
	}
	return 0;
}

static void sections_free(struct sections *s)
{
	for (int c = 0; c < Q__COUNT; c++)
		free(s->v[c]);
}

/* A host name that the glob matches: '*' becomes "x1", '?' becomes 'q', a
 * class its first member. Returns -1 for patterns it cannot invert simply
 * (negated classes); the result is checked with fnmatch either way. */
static int glob_example(const char *glob, char *out, size_t outlen)
{
	size_t o = 0;

	for (const char *p = glob; *p; p++) {
		const char *add;
		char one[2] = {0, 0};

		if (*p == '*') {
			add = "x1";
		} else if (*p == '?') {
			add = "q";
		} else if (*p == '[') {
			if (p[1] == '!' || p[1] == '^' || p[1] == '\0' || p[1] == ']')
				return -1;
			one[0] = p[1];
			add = one;
			p = strchr(p, ']');
			if (!p)
				return -1;
		} else {
			one[0] = *p;
			add = one;
		}
		size_t n = strlen(add);
		if (o + n >= outlen)
			return -1;
		memcpy(out + o, add, n);
		o += n;
	}
	out[o] = '\0';
	return fnmatch(glob, out, FNM_CASEFOLD) == 0 ? 0 : -1;
}

/* The identity parts that match nothing in a generated file: a locally
 * administered MAC, an address from TEST-NET-1 (RFC 5737; never sent
 * anywhere, it is only data here) and a host name no glob of ours covers. */
static void query_unknown(struct query *q)
{
	uint64_t r = rng_next();
	char ip[IP_STR_LEN];

	q->mac[0] = 0x0e;
	for (int i = 1; i < 6; i++)
		q->mac[i] = (uint8_t)(r >> (8 * i));
	snprintf(ip, sizeof(ip), "192.0.2.%u", (unsigned)(r & 0xff));
	if (ip_parse(ip, &q->ip) != 0)
		memset(&q->ip, 0, sizeof(q->ip));
	snprintf(q->host, sizeof(q->host), "nobody-%06x", (unsigned)(r >> 40) & 0xffffffu);
	q->expect = NULL;
}

/* Fills qs for one case. Returns the number of usable sections (0 when the
 * file has none of this kind). */
static size_t queries_prepare(enum qcase c, const struct sections *s, struct query *qs)
{
	size_t n = c == Q_MISS ? 1 : s->n[c == Q_MAC_HOT ? Q_MAC_HIT : c];
	const struct st_entry *hot = NULL;

	if (n == 0)
		return 0;
	if (c == Q_MAC_HOT)
		hot = s->v[Q_MAC_HIT][rng_next() % n];
	/* mac_hot asks one question every time: build it once, copy it. */
	for (size_t i = 0; i < (hot ? 1 : QUERY_COUNT); i++) {
		struct query *q = &qs[i];
		const struct st_entry *e;

		query_unknown(q);
		if (c == Q_MISS)
			continue;
		e = hot ? hot : s->v[c][rng_next() % n];
		q->expect = e;
		switch (c) {
		case Q_MAC_HOT:
		case Q_MAC_HIT:
			memcpy(q->mac, e->target.mac, 6);
			break;
		case Q_IP_HIT:
			q->ip = e->target.ip;
			break;
		case Q_CIDR_HIT: {
			/* The last address in the prefix, so it is never the
			 * network address an exact-IP section might reuse. */
			unsigned prefix = e->target.prefix;

			q->ip = e->target.ip;
			for (unsigned bit = prefix; bit < 128; bit++)
				q->ip.b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
			break;
		}
		case Q_GLOB_HIT:
			if (glob_example(e->target.text, q->host, sizeof(q->host)) != 0)
				return 0;
			break;
		default:
			break;
		}
	}
	for (size_t i = 1; hot && i < QUERY_COUNT; i++)
		qs[i] = qs[0];
	return n;
}

/* Every answer once, before timing: MAC and exact-IP hits must return their
 * own section; CIDR and glob hits some section (a longer prefix or a more
 * literal glob may rightly win); misses nothing (or the default section). */
static size_t queries_verify(enum qcase c, const struct st_config *cfg, const struct query *qs,
			     const struct sections *s)
{
	size_t bad = 0;

	for (size_t i = 0; i < QUERY_COUNT; i++) {
		const struct query *q = &qs[i];
		const struct st_entry *r = st_config_match(cfg, q->mac, &q->ip, q->host);
		int ok;

		switch (c) {
		case Q_MAC_HOT:
		case Q_MAC_HIT:
		case Q_IP_HIT:
			ok = r == q->expect;
			break;
		case Q_CIDR_HIT:
		case Q_GLOB_HIT:
			ok = r != NULL && r->target.kind != ST_MAC;
			break;
		default:
			ok = s->defaults ? r != NULL && r->target.kind == ST_DEFAULT : r == NULL;
			break;
		}
		if (!ok && bad++ < 3) {
			char mac[MAC_STR_LEN], ip[IP_STR_LEN];

			mac_format(q->mac, mac);
			ip_format(&q->ip, ip);
			fprintf(stderr,
				"lookup_cost: %s: mac=%s ip=%s host=%s gave %s, expected %s\n",
				qcase_name[c], mac, ip, q->host, r ? r->target.text : "(none)",
				q->expect ? q->expect->target.text : "(none or default)");
		}
	}
	return bad;
}

static uintptr_t sink;

static double time_batch(const struct st_config *cfg, const struct query *qs, size_t iters)
{
	uintptr_t acc = 0;
	double t0 = now_ns();

	for (size_t i = 0; i < iters; i++) {
		const struct query *q = &qs[i & (QUERY_COUNT - 1)];

		acc += (uintptr_t)st_config_match(cfg, q->mac, &q->ip, q->host);
	}
	double t1 = now_ns();
	sink ^= acc;
	return t1 - t0;
}

/* Iterations for one timed batch of about BATCH_TARGET_NS. */
static size_t calibrate(const struct st_config *cfg, const struct query *qs)
{
	size_t iters = 1u << 12;
	double t;

	time_batch(cfg, qs, QUERY_COUNT); /* warm-up: touch every query once */
	for (;;) {
		t = time_batch(cfg, qs, iters);
		if (t >= BATCH_TARGET_NS / 4 || iters >= (size_t)1 << 30)
			break;
		iters *= 2;
	}
	iters = (size_t)((double)iters * BATCH_TARGET_NS / (t > 1 ? t : 1));
	return iters < 1024 ? 1024 : iters;
}

/* One stations file under test. */
struct subject {
	const char *path;
	char *dir_copy;
	struct st_config *cfg;
	struct sections s;
	struct query *qs;
	double load_ms, build_ms;
	double ns[Q__COUNT]; /* < 0: no section of that kind */
	size_t wrong;
	size_t iters;	     /* of the case being timed; 0 when it does not apply */
	double per[BATCHES]; /* ns per lookup of each batch of that case */
};

static int subject_load(struct subject *f)
{
	double load[LOAD_REPEATS], build[LOAD_REPEATS];

	f->dir_copy = strdup(f->path);
	f->qs = calloc(QUERY_COUNT, sizeof(*f->qs));
	if (!f->dir_copy || !f->qs) {
		fprintf(stderr, "lookup_cost: out of memory\n");
		return -1;
	}
	for (int i = 0; i < LOAD_REPEATS; i++) {
		st_config_free(f->cfg);
		f->cfg = load_once(f->path, dirname(f->dir_copy), &load[i], &build[i]);
		if (!f->cfg) {
			fprintf(stderr, "lookup_cost: %s does not load\n", f->path);
			return -1;
		}
		/* dirname() may have cut the copy: start again from the path. */
		strcpy(f->dir_copy, f->path);
	}
	f->load_ms = median(load, LOAD_REPEATS) / 1e6;
	f->build_ms = median(build, LOAD_REPEATS) / 1e6;
	if (sections_collect(f->cfg, &f->s) != 0) {
		fprintf(stderr, "lookup_cost: out of memory\n");
		return -1;
	}
	return 0;
}

static void subject_free(struct subject *f)
{
	sections_free(&f->s);
	free(f->qs);
	st_config_free(f->cfg);
	free(f->dir_copy);
}

/* Times one case on every file. The batches alternate between the files
 * (file 1, file 2, ..., file 1, ...) so that a burst of other work on the
 * machine lands on all of them alike; each file's figure is the median of
 * its batches. */
static void time_case_all(enum qcase c, struct subject *fs, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		struct subject *f = &fs[i];

		f->iters = 0;
		f->ns[c] = -1;
		if (queries_prepare(c, &f->s, f->qs) == 0)
			continue;
		size_t wrong = queries_verify(c, f->cfg, f->qs, &f->s);
		if (wrong) {
			fprintf(stderr, "lookup_cost: %s: %s: %zu of %u answers wrong\n", f->path,
				qcase_name[c], wrong, QUERY_COUNT);
			f->wrong += wrong;
		}
		f->iters = calibrate(f->cfg, f->qs);
	}
	for (int b = 0; b < BATCHES; b++) {
		for (size_t i = 0; i < nf; i++) {
			struct subject *f = &fs[i];

			if (f->iters)
				f->per[b] = time_batch(f->cfg, f->qs, f->iters) / (double)f->iters;
		}
	}
	for (size_t i = 0; i < nf; i++) {
		if (fs[i].iters)
			fs[i].ns[c] = median(fs[i].per, BATCHES);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {0}};
	struct subject *fs;
	bool quiet = false;
	size_t nf, bad = 0;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	nf = (size_t)(argc - optind);
	fs = calloc(nf, sizeof(*fs));
	if (!fs)
		return 1;
	for (size_t i = 0; i < nf; i++) {
		fs[i].path = argv[optind + (int)i];
		if (subject_load(&fs[i]) != 0) {
			rc = 1;
			goto out;
		}
	}
	for (int c = 0; c < Q__COUNT; c++)
		time_case_all((enum qcase)c, fs, nf);

	for (size_t i = 0; i < nf; i++) {
		struct subject *f = &fs[i];
		const struct sections *s = &f->s;

		printf("file %s\n", f->path);
		if (!quiet)
			printf("# mac %zu, ip %zu, cidr %zu, glob %zu, default %zu, groups %zu\n",
			       s->n[Q_MAC_HIT], s->n[Q_IP_HIT], s->n[Q_CIDR_HIT], s->n[Q_GLOB_HIT],
			       s->defaults, s->groups);
		printf("mappings %zu\n", st_config_count(f->cfg) - s->groups);
		printf("load_ms %.2f\n", f->load_ms);
		printf("build_ms %.2f\n", f->build_ms);
		for (int c = 0; c < Q__COUNT; c++) {
			if (f->ns[c] < 0)
				printf("%s_ns -\n", qcase_name[c]);
			else
				printf("%s_ns %.1f\n", qcase_name[c], f->ns[c]);
		}
		bad += f->wrong;
	}
	if (bad)
		rc = 1;
out:
	for (size_t i = 0; i < nf; i++)
		subject_free(&fs[i]);
	free(fs);
	/* Keeps the lookups observable, so no compiler may drop them. */
	if (sink == 1)
		fputs("", stderr);
	return rc;
}
