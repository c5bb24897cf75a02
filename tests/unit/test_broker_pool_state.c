/* Pool VMs as data (tools/broker/broker_pool_state.c): the state file's
 * round trip and what it refuses, VM names, and start-up reconciliation as
 * a table: given the table and what libvirt runs and the overlay folder
 * holds, the actions. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "broker_pool_state.h"

static struct broker_pool_vm *vm_add(struct broker_pool_state *s, const char *pool,
				     const char *name, enum broker_pool_vm_state st)
{
	struct broker_pool_vm *vm = broker_pool_state_add(s);

	g_assert_nonnull(vm);
	snprintf(vm->pool, sizeof(vm->pool), "%s", pool);
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	snprintf(vm->uri, sizeof(vm->uri), "qemu:///session");
	snprintf(vm->overlay, sizeof(vm->overlay), "/ov/%s.qcow2", name);
	vm->state = st;
	vm->created = 1700000000;
	if (st != BROKER_POOL_CREATING) {
		snprintf(vm->host, sizeof(vm->host), "127.0.0.1");
		vm->port = 5900;
		snprintf(vm->password, sizeof(vm->password), "pw-%s", name);
	}
	if (st == BROKER_POOL_ASSIGNED || st == BROKER_POOL_ENDING) {
		g_assert_cmpint(mac_parse("52:54:00:00:00:07", vm->station), ==, 0);
		vm->assigned = 1700000100;
		vm->connected = true;
	}
	return vm;
}

static void test_roundtrip(void)
{
	struct broker_pool_state s, t;
	char *text, *again, err[200];
	size_t len, len2;

	broker_pool_state_init(&s);
	s.next_id = 42;
	vm_add(&s, "lab", "lab-1", BROKER_POOL_CREATING);
	vm_add(&s, "lab", "lab-2", BROKER_POOL_READY)->tls_port = 5901;
	vm_add(&s, "lab-2", "lab-2-3", BROKER_POOL_ASSIGNED)->protocol = ST_PROTO_VNC;
	s.v[2].viewer_in = true;
	vm_add(&s, "lab", "lab-4", BROKER_POOL_ENDING);
	text = broker_pool_state_serialize(&s, &len);
	g_assert_nonnull(text);
	g_assert_cmpint(broker_pool_state_parse(text, len, &t, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(t.n, ==, 4);
	g_assert_cmpuint(t.next_id, ==, 42);
	g_assert_cmpint(t.v[0].state, ==, BROKER_POOL_CREATING);
	g_assert_cmpint(t.v[1].state, ==, BROKER_POOL_READY);
	g_assert_cmpuint(t.v[1].tls_port, ==, 5901);
	g_assert_cmpstr(t.v[1].password, ==, "pw-lab-2");
	g_assert_false(t.v[1].verified); /* only reconciliation verifies */
	g_assert_cmpstr(t.v[2].pool, ==, "lab-2");
	g_assert_cmpint(t.v[2].protocol, ==, ST_PROTO_VNC);
	g_assert_cmpint(t.v[2].assigned, ==, 1700000100);
	g_assert_true(t.v[2].connected);
	g_assert_true(t.v[2].viewer_in);
	g_assert_false(t.v[3].viewer_in);
	g_assert_cmpmem(t.v[2].station, 6, s.v[2].station, 6);
	g_assert_cmpstr(t.v[3].overlay, ==, "/ov/lab-4.qcow2");
	again = broker_pool_state_serialize(&t, &len2);
	g_assert_cmpstr(again, ==, text);
	g_free(text);
	g_free(again);
	broker_pool_state_free(&s);
	broker_pool_state_free(&t);
}

/* Personal desktops and held VMs in the file: they come back as they
 * went, a file without "personal" (an older broker's) has none, and a
 * personal entry whose name is not the one its pool and user make is
 * refused (the name is what is started, undefined and deleted). */
static void test_personal(void)
{
	struct broker_pool_state s, t;
	struct broker_pool_personal *d;
	char *text, *again, err[200];
	size_t len, len2;

	broker_pool_state_init(&s);
	vm_add(&s, "lab", "lab-1", BROKER_POOL_ASSIGNED);
	snprintf(s.v[0].user, sizeof(s.v[0].user), "alice");
	s.v[0].held_until = 1700000200;
	d = broker_pool_state_personal_add(&s);
	snprintf(d->pool, sizeof(d->pool), "desk");
	snprintf(d->user, sizeof(d->user), "Eve.Q");
	g_assert_cmpint(broker_pool_user_name("desk", "Eve.Q", d->name, sizeof(d->name)), ==, 0);
	snprintf(d->uri, sizeof(d->uri), "qemu:///session");
	snprintf(d->overlay, sizeof(d->overlay), "/ov/%s.qcow2", d->name);
	snprintf(d->password, sizeof(d->password), "secret");
	d->state = BROKER_PERSONAL_RUNNING;
	d->port = 5930;
	d->last_used = 1700000300;
	d->viewer = d->checked = true;
	text = broker_pool_state_serialize(&s, &len);
	g_assert_nonnull(text);
	g_assert_cmpint(broker_pool_state_parse(text, len, &t, err, sizeof(err)), ==, 0);
	g_assert_cmpstr(t.v[0].user, ==, "alice");
	g_assert_cmpint(t.v[0].held_until, ==, 1700000200);
	g_assert_cmpuint(t.pn, ==, 1);
	g_assert_cmpstr(t.pv[0].name, ==, "desk+_iv3gklsr");
	g_assert_cmpint(t.pv[0].state, ==, BROKER_PERSONAL_RUNNING);
	g_assert_cmpuint(t.pv[0].port, ==, 5930);
	g_assert_cmpstr(t.pv[0].password, ==, "secret");
	g_assert_cmpint(t.pv[0].last_used, ==, 1700000300);
	/* Not saved: start-up checks it against libvirt again. */
	g_assert_false(t.pv[0].checked);
	/* Saved: a restart must not shut a desktop down under its user. */
	g_assert_true(t.pv[0].viewer);
	g_assert_cmpint(broker_pool_state_personal_find(&t, "desk", "Eve.Q"), ==, 0);
	g_assert_cmpint(broker_pool_state_personal_find(&t, "desk", "eve.q"), ==, -1);
	again = broker_pool_state_serialize(&t, &len2);
	g_assert_cmpstr(again, ==, text);
	g_free(again);
	broker_pool_state_free(&t);

	/* A name the user does not make: refused. */
	snprintf(s.pv[0].name, sizeof(s.pv[0].name), "desk+../../etc/x");
	g_free(text);
	text = broker_pool_state_serialize(&s, &len);
	g_assert_cmpint(broker_pool_state_parse(text, len, &t, err, sizeof(err)), ==, -1);
	g_assert_nonnull(strstr(err, "not named after its user"));
	g_free(text);
	broker_pool_state_free(&s);

	text = g_strdup("{\"version\":1,\"next_id\":3,\"vms\":[]}");
	g_assert_cmpint(broker_pool_state_parse(text, strlen(text), &t, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(t.pn, ==, 0);
	g_free(text);
	broker_pool_state_free(&t);
}

static void test_parse_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	    {"", "not a JSON object"},
	    {"[]", "not a JSON object"},
	    {"{\"version\":1,\"vms\":[]} x", "not a JSON object"},
	    {"{\"version\":2,\"vms\":[]}", "version 2"},
	    {"{\"version\":1}", "no 'vms' array"},
	    {"{\"version\":1,\"vms\":[1]}", "not an object"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"b-1\",\"uri\":\"u\","
	     "\"overlay\":\"o\",\"state\":\"creating\"}]}",
	     "not named after its pool"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\","
	     "\"overlay\":\"o\",\"state\":\"zombie\"}]}",
	     "unknown state"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\","
	     "\"overlay\":\"o\",\"state\":\"ready\"}]}",
	     "has no address"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\","
	     "\"overlay\":\"o\",\"state\":\"assigned\",\"host\":\"h\",\"port\":1}]}",
	     "no station MAC"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\","
	     "\"overlay\":\"o\",\"state\":\"ready\",\"host\":\"h\",\"port\":70000}]}",
	     "'port' is not a number"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\","
	     "\"state\":\"creating\"}]}",
	     "has no 'overlay'"},
	    {"{\"version\":1,\"vms\":[{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\",\"overlay\":"
	     "\"o\",\"state\":\"creating\"},{\"pool\":\"a\",\"name\":\"a-1\",\"uri\":\"u\","
	     "\"overlay\":\"o\",\"state\":\"creating\"}]}",
	     "appears twice"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_pool_state s;
		char err[200] = "";

		g_assert_cmpint(broker_pool_state_parse(cases[i].text, strlen(cases[i].text), &s,
							err, sizeof(err)),
				==, -1);
		if (!strstr(err, cases[i].msg))
			g_printerr("case %zu: '%s' lacks '%s'\n", i, err, cases[i].msg);
		g_assert_nonnull(strstr(err, cases[i].msg));
		g_assert_cmpuint(s.n, ==, 0);
	}
}

static void test_names(void)
{
	char name[BROKER_POOL_VM_NAME_MAX];

	g_assert_cmpint(broker_pool_state_vm_name("lab", 7, name, sizeof(name)), ==, 0);
	g_assert_cmpstr(name, ==, "lab-7");
	g_assert_cmpint(broker_pool_state_vm_name("lab", 7, name, 5), ==, -1);
	g_assert_true(broker_pool_state_is_ours("lab", "lab-7"));
	g_assert_true(broker_pool_state_is_ours("lab-2", "lab-2-5"));
	g_assert_false(broker_pool_state_is_ours("lab", "lab-2-5"));
	g_assert_false(broker_pool_state_is_ours("lab", "lab-"));
	g_assert_false(broker_pool_state_is_ours("lab", "lab-x"));
	g_assert_false(broker_pool_state_is_ours("lab", "lab7"));
	g_assert_false(broker_pool_state_is_ours("lab", "labx-7"));
	g_assert_false(broker_pool_state_is_ours("lab", "other"));
}

/* Actions as "verb arg" strings, in order. */
static char *actions_text(const struct broker_pool_action *a, size_t n)
{
	static const char *const verbs[] = {"adopt", "keep", "destroy", "rm", "forget"};
	GString *s = g_string_new("");

	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s %s", i ? "; " : "", verbs[a[i].kind], a[i].arg);
	return g_string_free(s, FALSE);
}

static void test_reconcile(void)
{
	static const struct {
		const char *what;
		enum broker_pool_vm_state states[3]; /* lab-1, lab-2, lab-3; -1: absent */
		int present[3];
		const char *domains; /* running, space-separated */
		const char *files;   /* in the overlay folder */
		const char *want;
	} cases[] = {
	    {"empty state, nothing running", {-1, -1, -1}, {0}, "", "", ""},
	    {"ready and running: adopted",
	     {BROKER_POOL_READY, -1, -1},
	     {1, 0, 0},
	     "lab-1",
	     "lab-1.qcow2",
	     "adopt lab-1"},
	    {"assigned and running: kept for its station",
	     {BROKER_POOL_ASSIGNED, -1, -1},
	     {1, 0, 0},
	     "lab-1",
	     "lab-1.qcow2",
	     "keep lab-1"},
	    {"half-made (creating) with a domain: destroyed, overlay, forgotten",
	     {BROKER_POOL_CREATING, -1, -1},
	     {1, 0, 0},
	     "lab-1",
	     "lab-1.qcow2",
	     "destroy lab-1; rm /ov/lab-1.qcow2; forget lab-1"},
	    {"half-made, overlay only",
	     {BROKER_POOL_CREATING, -1, -1},
	     {1, 0, 0},
	     "",
	     "lab-1.qcow2",
	     "rm /ov/lab-1.qcow2; forget lab-1"},
	    {"ending: destroyed, never kept",
	     {BROKER_POOL_ENDING, -1, -1},
	     {1, 0, 0},
	     "lab-1",
	     "lab-1.qcow2",
	     "destroy lab-1; rm /ov/lab-1.qcow2; forget lab-1"},
	    {"assigned but its domain is gone: overlay deleted, forgotten",
	     {BROKER_POOL_ASSIGNED, -1, -1},
	     {1, 0, 0},
	     "",
	     "lab-1.qcow2",
	     "rm /ov/lab-1.qcow2; forget lab-1"},
	    {"a domain the state does not know: destroyed, its overlay too",
	     {-1, -1, -1},
	     {0},
	     "lab-9",
	     "lab-9.qcow2",
	     "destroy lab-9; rm /ov/lab-9.qcow2"},
	    {"other pools' domains and files are left alone",
	     {-1, -1, -1},
	     {0},
	     "lab-2-1 other-1 lab",
	     "lab-2-1.qcow2 notes.txt lab.qcow2 base.qcow2",
	     ""},
	    {"a mix, in order: domains before files, entries last",
	     {BROKER_POOL_READY, BROKER_POOL_ASSIGNED, BROKER_POOL_CREATING},
	     {1, 1, 1},
	     "lab-1 lab-2 lab-3 lab-8",
	     "lab-1.qcow2 lab-2.qcow2 lab-3.qcow2 lab-5.qcow2",
	     "adopt lab-1; keep lab-2; destroy lab-3; destroy lab-8; rm /ov/lab-3.qcow2; "
	     "rm /ov/lab-5.qcow2; forget lab-3"},
	    {"another pool's entries are not this pool's business", {-1, -1, -1}, {0}, "", "", ""},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct broker_pool_state s;
		struct broker_pool_action *a = NULL;
		char **doms = g_strsplit(cases[i].domains, " ", -1);
		char **files = g_strsplit(cases[i].files, " ", -1);
		size_t n = 0;
		char *got;

		broker_pool_state_init(&s);
		for (int k = 0; k < 3; k++) {
			char name[16];

			if (!cases[i].present[k])
				continue;
			snprintf(name, sizeof(name), "lab-%d", k + 1);
			vm_add(&s, "lab", name, cases[i].states[k]);
		}
		/* Always there, never touched: a VM of another pool. */
		vm_add(&s, "lab-2", "lab-2-1", BROKER_POOL_CREATING);
		g_assert_cmpint(broker_pool_state_reconcile(
				    &s, "lab", "/ov", (const char *const *)doms,
				    doms[0] && doms[0][0] ? g_strv_length(doms) : 0,
				    (const char *const *)files,
				    files[0] && files[0][0] ? g_strv_length(files) : 0, &a, &n),
				==, 0);
		got = actions_text(a, n);
		if (strcmp(got, cases[i].want) != 0)
			g_printerr("case '%s':\n got  %s\n want %s\n", cases[i].what, got,
				   cases[i].want);
		g_assert_cmpstr(got, ==, cases[i].want);
		g_free(got);
		g_free(a);
		g_strfreev(doms);
		g_strfreev(files);
		broker_pool_state_free(&s);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/broker_pool_state/roundtrip", test_roundtrip);
	g_test_add_func("/broker_pool_state/personal", test_personal);
	g_test_add_func("/broker_pool_state/parse-errors", test_parse_errors);
	g_test_add_func("/broker_pool_state/names", test_names);
	g_test_add_func("/broker_pool_state/reconcile", test_reconcile);
	return g_test_run();
}
