/* import-kvm-vdi FILE: map a KVM-VDI clients.xml onto stations-file
 * sections; report every client that cannot be mapped, with its line. */
#include "stationctl_import.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "fileio.h"
#include "netaddr.h"
#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_txn.h"
#include "stationctl_util.h"

/* Longest text we take from an element; real values are names and
 * addresses. */
#define STATIONCTL_IMPORT_TEXT_MAX 512
#define STATIONCTL_IMPORT_RDP_PORT "3389"

static void stationctl_import_reason(struct stationctl_import_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void stationctl_import_reason(struct stationctl_import_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
	va_end(ap);
	it->mappable = false;
}

static struct stationctl_import_item *stationctl_import_push(struct stationctl_import *imp,
							     unsigned line)
{
	struct stationctl_import_item *it;

	if (imp->n == imp->cap) {
		size_t cap = imp->cap ? imp->cap * 2 : 64;
		struct stationctl_import_item *p = realloc(imp->items, cap * sizeof(*p));

		if (!p)
			return NULL;
		imp->items = p;
		imp->cap = cap;
	}
	it = &imp->items[imp->n++];
	memset(it, 0, sizeof(*it));
	it->line = line;
	return it;
}

static int stationctl_import_kv(struct stationctl_import_item *it, const char *key,
				const char *value)
{
	char *kv;

	if (it->n_kvs >= STATIONCTL_IMPORT_KVS_MAX || asprintf(&kv, "%s=%s", key, value) < 0)
		return -1;
	it->kvs[it->n_kvs++] = kv;
	return 0;
}

/* The text of an element: its text and CDATA children only, trimmed.
 * Entity references are never expanded (there is no DTD to define any).
 * Returns -1 when the text is longer than the cap. */
static int stationctl_import_text(xmlNode *el, char *out, size_t outlen)
{
	size_t len = 0;
	char *start, *end;

	out[0] = '\0';
	for (xmlNode *c = el->children; c; c = c->next) {
		size_t n;

		if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
			continue;
		n = strlen((const char *)c->content);
		if (len + n + 1 > outlen)
			return -1;
		memcpy(out + len, c->content, n);
		len += n;
		out[len] = '\0';
	}
	start = out;
	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
		start++;
	end = start + strlen(start);
	while (end > start &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	memmove(out, start, (size_t)(end - start) + 1);
	return 0;
}

/* The first child element called name, or NULL. */
static xmlNode *stationctl_import_child(xmlNode *el, const char *name)
{
	for (xmlNode *c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Splits an RDP address the way RDP clients take it: host, host:port,
 * [v6]:port, or a bare IPv6 address. */
static int stationctl_import_rdp_address(const char *addr, char *host, size_t hostlen, char *port,
					 size_t portlen)
{
	const char *colon = strchr(addr, ':');

	snprintf(port, portlen, "%s", STATIONCTL_IMPORT_RDP_PORT);
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || (close[1] != '\0' && close[1] != ':'))
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(close - addr - 1), addr + 1);
		if (close[1] == ':')
			snprintf(port, portlen, "%s", close + 2);
		return 0;
	}
	if (colon && !strchr(colon + 1, ':')) {
		snprintf(host, hostlen, "%.*s", (int)(colon - addr), addr);
		snprintf(port, portlen, "%s", colon + 1);
		return 0;
	}
	snprintf(host, hostlen, "%s", addr);
	return 0;
}

static int stationctl_import_rdp(struct stationctl_import_item *it, xmlNode *client)
{
	xmlNode *el = stationctl_import_child(client, "machine-rdp-address");
	char addr[STATIONCTL_IMPORT_TEXT_MAX], host[STATIONCTL_IMPORT_TEXT_MAX], port[64];
	char shown[200], err[256] = "";

	if (!el || stationctl_import_text(el, addr, sizeof(addr)) < 0 || addr[0] == '\0') {
		stationctl_import_reason(it, "RDP client without a usable <machine-rdp-address>");
		return 0;
	}
	stationctl_util_printable(addr, shown, sizeof(shown));
	if (stationctl_import_rdp_address(addr, host, sizeof(host), port, sizeof(port)) < 0) {
		stationctl_import_reason(it, "machine-rdp-address \"%s\" is not host[:port]",
					 shown);
		return 0;
	}
	if (st_value_check(ST_KEY_HOST, host, err, sizeof(err)) < 0) {
		stationctl_import_reason(it, "machine-rdp-address \"%s\": %s", shown, err);
		return 0;
	}
	if (st_value_check(ST_KEY_PORT, port, err, sizeof(err)) < 0) {
		stationctl_import_reason(it, "machine-rdp-address \"%s\": port: %s", shown, err);
		return 0;
	}
	if (stationctl_import_kv(it, "protocol", "rdp") < 0 ||
	    stationctl_import_kv(it, "host", host) < 0 ||
	    stationctl_import_kv(it, "port", port) < 0)
		return -1;
	it->mappable = true;
	return 0;
}

/* A SPICE client names a KVM-VDI virtual machine, which is a libvirt
 * domain of that name: at connect time the dashboard asks the hypervisor
 * for its display (virsh domdisplay), which is what the broker does for a
 * `domain` mapping. The hypervisor is not in clients.xml, so it is lv's. */
static int stationctl_import_spice(struct stationctl_import_item *it, xmlNode *client,
				   const struct stationctl_import_libvirt *lv)
{
	xmlNode *el = stationctl_import_child(client, "machine-name");
	const char *uri = lv && lv->uri ? lv->uri : ST_LIBVIRT_URI_DEFAULT;
	char name[STATIONCTL_IMPORT_TEXT_MAX], shown[200], err[256] = "";

	if (!el || stationctl_import_text(el, name, sizeof(name)) < 0 || name[0] == '\0') {
		stationctl_import_reason(it, "SPICE client without a usable <machine-name>");
		return 0;
	}
	stationctl_util_printable(name, shown, sizeof(shown));
	if (st_value_check(ST_KEY_DOMAIN, name, err, sizeof(err)) < 0) {
		stationctl_import_reason(it,
					 "SPICE machine \"%s\" cannot be a libvirt domain in the "
					 "stations file: %s",
					 shown, err);
		return 0;
	}
	if (stationctl_import_kv(it, "protocol", "spice") < 0 ||
	    stationctl_import_kv(it, "domain", name) < 0 ||
	    stationctl_import_kv(it, "libvirt_uri", uri) < 0 ||
	    (lv && lv->display_host &&
	     stationctl_import_kv(it, "display_host", lv->display_host) < 0))
		return -1;
	it->mappable = true;
	it->domain = true;
	return 0;
}

/* One <client>: fills it, mappable or with the reason why not. -1 only on
 * out-of-memory. */
static int stationctl_import_client(struct stationctl_import_item *it, xmlNode *client,
				    const char *group, const struct stationctl_import_libvirt *lv)
{
	xmlChar *ip = xmlGetProp(client, (const xmlChar *)"ip");
	xmlNode *el;
	char proto[STATIONCTL_IMPORT_TEXT_MAX], value[STATIONCTL_IMPORT_TEXT_MAX], shown[200];
	char err[256] = "";
	int ret = 0;

	if (!ip) {
		stationctl_import_reason(it, "<client> without an ip attribute");
		return 0;
	}
	stationctl_util_printable((const char *)ip, it->ip, sizeof(it->ip));
	if (st_target_parse((const char *)ip, &it->target, err, sizeof(err)) < 0) {
		stationctl_import_reason(it, "ip attribute: %s", err);
		goto cleanup;
	}
	if (it->target.kind != ST_IP) {
		stationctl_import_reason(it, "ip \"%s\" is not a single IP address", it->ip);
		goto cleanup;
	}
	it->has_target = true;
	el = stationctl_import_child(client, "protocol");
	if (!el || stationctl_import_text(el, proto, sizeof(proto)) < 0 || proto[0] == '\0') {
		stationctl_import_reason(it, "no <protocol> (expected SPICE, RDP or vmView)");
		goto cleanup;
	}
	if (strcasecmp(proto, "RDP") == 0) {
		ret = stationctl_import_rdp(it, client);
	} else if (strcasecmp(proto, "SPICE") == 0) {
		ret = stationctl_import_spice(it, client, lv);
	} else if (strcasecmp(proto, "vmView") == 0) {
		el = stationctl_import_child(client, "pool");
		if (!el || stationctl_import_text(el, value, sizeof(value)) < 0)
			value[0] = '\0';
		stationctl_util_printable(value, shown, sizeof(shown));
		stationctl_import_reason(it,
					 "cannot map: vmView (VMware Horizon) pool \"%s\" has no "
					 "equivalent in VDI Station",
					 shown);
	} else {
		stationctl_util_printable(proto, shown, sizeof(shown));
		stationctl_import_reason(
		    it, "unknown protocol \"%s\" (expected SPICE, RDP or vmView)", shown);
	}
	if (ret == 0 && it->mappable && group && stationctl_import_kv(it, "group", group) < 0)
		ret = -1;
cleanup:
	xmlFree(ip);
	return ret;
}

/* KVM-VDI answers an address from its last entry: earlier entries for the
 * same address never took effect. */
static void stationctl_import_mark_duplicates(struct stationctl_import *imp)
{
	for (size_t i = 0; i < imp->n; i++) {
		struct stationctl_import_item *a = &imp->items[i];

		if (!a->ip[0])
			continue;
		for (size_t j = i + 1; j < imp->n; j++) {
			const struct stationctl_import_item *b = &imp->items[j];

			/* Canonical forms when both parsed, so that
			 * spellings of one address count as one. */
			bool same = a->has_target && b->has_target
					? strcmp(a->target.text, b->target.text) == 0
					: strcmp(a->ip, b->ip) == 0;

			if (b->ip[0] && same) {
				stationctl_import_reason(
				    a,
				    "superseded by the entry for the same "
				    "address at line %u (KVM-VDI uses the last "
				    "one)",
				    b->line);
				break;
			}
		}
	}
}

/* The first error libxml2 reports is the one that explains the problem;
 * later ones follow from it ("premature end of data"). */
struct stationctl_import_xmlerr {
	int line;
	char msg[300];
	bool set;
};

static void stationctl_import_on_error(void *arg, xmlErrorPtr e)
{
	struct stationctl_import_xmlerr *first = arg;

	if (first->set || !e || e->level < XML_ERR_ERROR)
		return;
	first->set = true;
	first->line = e->line;
	stationctl_util_printable(e->message ? e->message : "not well-formed", first->msg,
				  sizeof(first->msg));
}

int stationctl_import_parse(const char *xml, size_t len, const char *filename, const char *group,
			    const struct stationctl_import_libvirt *lv,
			    struct stationctl_import *out, unsigned *err_line, char *err,
			    size_t errlen)
{
	/* NONET: never fetch anything. Without NOENT and DTDLOAD no entity is
	 * substituted and no external subset is read; a DOCTYPE is refused
	 * below anyway. */
	const int opts = XML_PARSE_NONET | XML_PARSE_NOWARNING;
	struct stationctl_import_xmlerr first = {0};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	xmlNode *root;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	*err_line = 0;
	if (len > STATIONCTL_IMPORT_FILE_MAX) {
		snprintf(err, errlen, "larger than %u bytes", STATIONCTL_IMPORT_FILE_MAX);
		return -1;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Errors go to the handler, not to stderr; it is process-wide in
	 * this libxml2, so it is set only around this one parse. */
	xmlSetStructuredErrorFunc(&first, stationctl_import_on_error);
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, filename, NULL, opts);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc || !ctxt->wellFormed) {
		char msg[sizeof(first.msg)];
		size_t n;

		snprintf(msg, sizeof(msg), "%s", first.set ? first.msg : "not well-formed");
		n = strlen(msg);

		/* libxml2 ends its messages with a newline (now "\n"). */
		if (n >= 2 && strcmp(msg + n - 2, "\\n") == 0)
			msg[n - 2] = '\0';
		*err_line = first.set && first.line > 0 ? (unsigned)first.line : 0;
		snprintf(err, errlen, "malformed XML: %s", msg);
		goto cleanup;
	}
	if (doc->intSubset || doc->extSubset) {
		snprintf(err, errlen, "a DOCTYPE is not allowed in clients.xml");
		goto cleanup;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "thin-clients") != 0) {
		*err_line = root ? (unsigned)xmlGetLineNo(root) : 0;
		snprintf(err, errlen, "the root element is <%.100s>, not <thin-clients>",
			 root ? (const char *)root->name : "");
		goto cleanup;
	}
	for (xmlNode *n = root->children; n; n = n->next) {
		struct stationctl_import_item *it;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		it = stationctl_import_push(out, (unsigned)xmlGetLineNo(n));
		if (!it)
			goto oom;
		if (strcmp((const char *)n->name, "client") != 0) {
			char shown[100];

			stationctl_util_printable((const char *)n->name, shown, sizeof(shown));
			stationctl_import_reason(it, "unexpected element <%s> ignored", shown);
			continue;
		}
		out->clients++;
		if (stationctl_import_client(it, n, group, lv) < 0)
			goto oom;
	}
	stationctl_import_mark_duplicates(out);
	ret = 0;
	goto cleanup;
oom:
	snprintf(err, errlen, "out of memory");
cleanup:
	if (ret < 0)
		stationctl_import_free(out);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return ret;
}

void stationctl_import_free(struct stationctl_import *imp)
{
	for (size_t i = 0; i < imp->n; i++)
		for (size_t k = 0; k < imp->items[i].n_kvs; k++)
			free(imp->items[i].kvs[k]);
	free(imp->items);
	memset(imp, 0, sizeof(*imp));
}

/* ---- the command ---- */

struct stationctl_import_run {
	struct stationctl_import *imp;
	const struct stationctl_import_libvirt *lv;
	const char *file;
	bool *added; /* per item */
	size_t n_added;
};

static int stationctl_import_apply(struct st_doc *doc, void *arg)
{
	struct stationctl_import_run *r = arg;

	r->n_added = 0;
	for (size_t i = 0; i < r->imp->n; i++) {
		struct stationctl_import_item *it = &r->imp->items[i];
		char err[400] = "";

		r->added[i] = false;
		if (!it->mappable)
			continue;
		if (st_doc_has(doc, &it->target)) {
			stationctl_import_reason(it, "[%s] exists already in %s; left as it is",
						 it->target.text, r->file);
			continue;
		}
		if (st_doc_add(doc, &it->target, it->kvs, it->n_kvs, err, sizeof(err)) < 0) {
			stationctl_import_reason(it, "%s", err);
			continue;
		}
		r->added[i] = true;
		r->n_added++;
	}
	return STATIONCTL_EXIT_OK;
}

static void stationctl_import_report(const struct stationctl_import_run *r, const char *xml_path,
				     bool dry_run)
{
	size_t not_imported = 0, domains = 0;

	for (size_t i = 0; i < r->imp->n; i++) {
		const struct stationctl_import_item *it = &r->imp->items[i];

		printf("%s:%u: ", xml_path, it->line);
		if (it->ip[0])
			printf("client %s: ", it->ip);
		if (!r->added[i]) {
			printf("not imported: %s\n", it->reason);
			not_imported++;
			continue;
		}
		domains += it->domain;
		printf("%s [%s]", dry_run ? "would add" : "added", it->target.text);
		for (size_t k = 0; k < it->n_kvs; k++)
			printf(" %s", it->kvs[k]);
		printf("\n");
	}
	/* clients.xml does not say where a SPICE machine runs or how
	 * stations reach its display: say once what the mappings assume. */
	if (domains)
		printf("assumed: %zu SPICE machine%s %s libvirt domain%s of that name on %s "
		       "(--libvirt-uri); stations reach %s display at %s (--display-host); the "
		       "broker sets a one-time graphics password for each connection "
		       "(domain_password)\n",
		       domains, domains == 1 ? "" : "s", domains == 1 ? "is a" : "are",
		       domains == 1 ? "" : "s", r->lv->uri, domains == 1 ? "its" : "their",
		       r->lv->display_host
			   ? r->lv->display_host
			   : "the domain's graphics listen address or the URI's host");
	printf("%s%zu of %zu client%s imported into %s; %zu entr%s not imported\n",
	       dry_run ? "dry run: " : "", r->n_added, r->imp->clients,
	       r->imp->clients == 1 ? "" : "s", r->file, not_imported,
	       not_imported == 1 ? "y" : "ies");
}

int stationctl_import_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"group", required_argument, NULL, 'g'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"libvirt-uri", required_argument, NULL, 'c'},
	    {"display-host", required_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	struct stationctl_import imp = {0};
	struct stationctl_import_libvirt lv = {.uri = ST_LIBVIRT_URI_DEFAULT};
	struct stationctl_import_run run = {.imp = &imp, .lv = &lv, .file = ctx->stations_file};
	const char *group = NULL, *path;
	char *xml = NULL, err[512] = "";
	size_t len = 0;
	unsigned flags = 0, err_line = 0;
	bool changed = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "g:nc:", opts, NULL)) != -1) {
		if (c == 'g')
			group = optarg;
		else if (c == 'c')
			lv.uri = optarg;
		else if (c == 'D')
			lv.display_host = optarg;
		else if (c == 'n')
			flags |= STATIONCTL_TXN_DRY_RUN;
		else
			return stationctl_commands_usage_error(argv[0]);
	}
	if (argc - optind != 1)
		return stationctl_commands_usage_error(argv[0]);
	path = argv[optind];
	if (group && st_value_check(ST_KEY_GROUP, group, err, sizeof(err)) < 0) {
		stationctl_util_err("--group: %s", err);
		return STATIONCTL_EXIT_INVALID;
	}
	if (st_value_check(ST_KEY_LIBVIRT_URI, lv.uri, err, sizeof(err)) < 0) {
		stationctl_util_err("--libvirt-uri: %s", err);
		return STATIONCTL_EXIT_INVALID;
	}
	if (lv.display_host &&
	    st_value_check(ST_KEY_DISPLAY_HOST, lv.display_host, err, sizeof(err)) < 0) {
		stationctl_util_err("--display-host: %s", err);
		return STATIONCTL_EXIT_INVALID;
	}
	if (file_read_capped(path, STATIONCTL_IMPORT_FILE_MAX, &xml, &len) < 0) {
		stationctl_util_err("%s: cannot read: %s", path,
				    errno == EFBIG ? "file too large" : file_strerror(errno));
		return STATIONCTL_EXIT_IO;
	}
	xmlInitParser();
	if (stationctl_import_parse(xml, len, path, group, &lv, &imp, &err_line, err, sizeof(err)) <
	    0) {
		if (err_line)
			stationctl_util_err("%s:%u: %s", path, err_line, err);
		else
			stationctl_util_err("%s: %s", path, err);
		ret = STATIONCTL_EXIT_INVALID;
		goto cleanup;
	}
	run.added = calloc(imp.n + 1, sizeof(*run.added));
	if (!run.added) {
		stationctl_util_err("out of memory");
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	ret = stationctl_txn_edit(ctx, stationctl_import_apply, &run, flags, &changed);
	if (ret)
		goto cleanup;
	stationctl_import_report(&run, path, flags & STATIONCTL_TXN_DRY_RUN);
cleanup:
	free(run.added);
	stationctl_import_free(&imp);
	free(xml);
	xmlCleanupParser();
	return ret;
}
