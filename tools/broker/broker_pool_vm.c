/* Pool VMs on the libvirt side: see broker_pool_vm.h. */
#include "broker_pool_vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "broker_libvirt.h"
#include "broker_libvirt_xml.h"
#include "broker_pool_state.h"
#include "fileio.h"

extern char **environ;

/* As for live domain XML (broker_libvirt_xml.c): no network, no entity
 * expansion, no DTD, errors kept off stderr. The template is the admin's
 * file, but it is still input. */
#define POOL_VM_XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* Removes every child element called name. */
static void pool_vm_drop(xmlNode *parent, const char *name)
{
	xmlNode *c = parent->children, *next;

	for (; c; c = next) {
		next = c->next;
		if (broker_libvirt_xml_is(c, name)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
}

static int pool_vm_random(unsigned char *buf, size_t n, char *err, size_t errlen)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* A random (version 4) UUID and a MAC in QEMU's locally administered
 * 52:54:00 range, as libvirt itself picks them. */
static int pool_vm_ids(char uuid[37], char mac[18], char *err, size_t errlen)
{
	unsigned char u[16], m[3];

	if (pool_vm_random(u, sizeof(u), err, errlen) < 0 ||
	    pool_vm_random(m, sizeof(m), err, errlen) < 0)
		return -1;
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(uuid, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
	snprintf(mac, 18, "52:54:00:%02x:%02x:%02x", m[0], m[1], m[2]);
	return 0;
}

static void pool_vm_disk(xmlNode *devices, const char *overlay)
{
	xmlNode *disk = NULL, *driver, *src;

	for (xmlNode *c = devices->children; c; c = c->next) {
		xmlChar *dev;
		bool is_disk;

		if (!broker_libvirt_xml_is(c, "disk"))
			continue;
		dev = xmlGetProp(c, BAD_CAST "device");
		is_disk = !dev || strcmp((const char *)dev, "disk") == 0;
		xmlFree(dev);
		if (is_disk) {
			disk = c;
			break;
		}
	}
	if (!disk) {
		disk = xmlNewChild(devices, NULL, BAD_CAST "disk", NULL);
		xmlSetProp(disk, BAD_CAST "device", BAD_CAST "disk");
		xmlNewChild(disk, NULL, BAD_CAST "target", NULL);
		xmlSetProp(broker_libvirt_xml_child(disk, "target"), BAD_CAST "dev",
			   BAD_CAST "vda");
		xmlSetProp(broker_libvirt_xml_child(disk, "target"), BAD_CAST "bus",
			   BAD_CAST "virtio");
	}
	xmlSetProp(disk, BAD_CAST "type", BAD_CAST "file");
	/* libvirt reads the backing chain from the overlay itself. */
	pool_vm_drop(disk, "backingStore");
	pool_vm_drop(disk, "source");
	driver = broker_libvirt_xml_child(disk, "driver");
	if (!driver) {
		driver = xmlNewChild(disk, NULL, BAD_CAST "driver", NULL);
		xmlSetProp(driver, BAD_CAST "name", BAD_CAST "qemu");
	}
	xmlSetProp(driver, BAD_CAST "type", BAD_CAST "qcow2");
	src = xmlNewChild(disk, NULL, BAD_CAST "source", NULL);
	xmlSetProp(src, BAD_CAST "file", BAD_CAST overlay);
}

/* Every graphics device of the protocol: its own port (autoport) and the
 * VM's password. Returns how many there were. */
static int pool_vm_graphics(xmlNode *devices, enum st_protocol protocol, const char *password)
{
	int n = 0;

	for (xmlNode *c = devices->children; c; c = c->next) {
		xmlChar *type, *autoport, *port;
		bool fixed;

		if (!broker_libvirt_xml_is(c, "graphics"))
			continue;
		type = xmlGetProp(c, BAD_CAST "type");
		if (!type || strcmp((const char *)type, st_protocol_name(protocol)) != 0) {
			xmlFree(type);
			continue;
		}
		xmlFree(type);
		autoport = xmlGetProp(c, BAD_CAST "autoport");
		port = xmlGetProp(c, BAD_CAST "port");
		fixed = autoport && strcmp((const char *)autoport, "no") == 0 && port &&
			atoi((const char *)port) > 0;
		xmlFree(autoport);
		xmlFree(port);
		if (!fixed) {
			xmlSetProp(c, BAD_CAST "autoport", BAD_CAST "yes");
			xmlUnsetProp(c, BAD_CAST "port");
			xmlUnsetProp(c, BAD_CAST "tlsPort");
		}
		xmlSetProp(c, BAD_CAST "passwd", BAD_CAST password);
		xmlUnsetProp(c, BAD_CAST "passwdValidTo");
		n++;
	}
	return n;
}

char *broker_pool_vm_xml(const char *tmpl, size_t len, const char *name, const char *overlay,
			 enum st_protocol protocol, const char *password, char *err, size_t errlen)
{
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	xmlNode *root, *n, *devices;
	xmlChar *text = NULL;
	char uuid[37], mac[18], *out = NULL;
	int size = 0;

	if (len > BROKER_POOL_TEMPLATE_MAX) {
		snprintf(err, errlen, "template is larger than %u bytes", BROKER_POOL_TEMPLATE_MAX);
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, tmpl, (int)len, "template.xml", NULL, POOL_VM_XML_OPTS);
	if (!doc || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		const char *msg = e && e->message ? e->message : "not well-formed";

		snprintf(err, errlen, "template: malformed XML (line %d): %.*s", e ? e->line : 0,
			 (int)strcspn(msg, "\n") > 200 ? 200 : (int)strcspn(msg, "\n"), msg);
		goto cleanup;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || doc->extSubset || !root || !broker_libvirt_xml_is(root, "domain")) {
		snprintf(err, errlen, "template: not a <domain> (or has a DOCTYPE)");
		goto cleanup;
	}
	if (pool_vm_ids(uuid, mac, err, errlen) < 0)
		goto cleanup;
	pool_vm_drop(root, "name");
	pool_vm_drop(root, "uuid");
	xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
	xmlNewTextChild(root, NULL, BAD_CAST "uuid", BAD_CAST uuid);
	devices = broker_libvirt_xml_child(root, "devices");
	if (!devices)
		devices = xmlNewChild(root, NULL, BAD_CAST "devices", NULL);
	for (n = devices->children; n; n = n->next) {
		if (!broker_libvirt_xml_is(n, "interface"))
			continue;
		pool_vm_drop(n, "mac");
		xmlSetProp(xmlNewChild(n, NULL, BAD_CAST "mac", NULL), BAD_CAST "address",
			   BAD_CAST mac);
		/* A second interface gets the next address. */
		if (pool_vm_ids(uuid, mac, err, errlen) < 0)
			goto cleanup;
	}
	pool_vm_disk(devices, overlay);
	if (pool_vm_graphics(devices, protocol, password) == 0) {
		snprintf(err, errlen, "template: no <graphics type='%s'> in <devices>",
			 st_protocol_name(protocol));
		goto cleanup;
	}
	xmlDocDumpMemory(doc, &text, &size);
	if (!text || size <= 0 || !(out = strndup((const char *)text, (size_t)size)))
		snprintf(err, errlen, "out of memory");
cleanup:
	if (text) {
		explicit_bzero(text, (size_t)size);
		xmlFree(text);
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return out;
}

int broker_pool_vm_overlay(const char *base, const char *overlay, char *err, size_t errlen)
{
	char *const argv[] = {
	    BROKER_POOL_QEMU_IMG, "create",	   "-q", "-f", "qcow2", "-F", "qcow2", "-b",
	    (char *)base,	  (char *)overlay, NULL};
	posix_spawn_file_actions_t fa;
	char msg[300], dir[BROKER_POOL_PATH_MAX], *slash;
	int pfd[2], status = 0, ret = -1;
	ssize_t got = 0, r;
	struct stat st;
	pid_t pid;

	/* qemu-img would hang opening a FIFO named as the base image, and
	 * this runs while a station waits. */
	if (file_check_regular(base) < 0) {
		snprintf(err, errlen, "base image %.200s: %s", base, file_strerror(errno));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	errno = posix_spawnp(&pid, BROKER_POOL_QEMU_IMG, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (errno) {
		snprintf(err, errlen, "cannot run %s: %s", BROKER_POOL_QEMU_IMG, strerror(errno));
		close(pfd[0]);
		return -1;
	}
	/* Read all of it, so a chatty qemu-img cannot block on a full pipe;
	 * the first line is the message. */
	for (;;) {
		char junk[512];
		bool room = got < (ssize_t)sizeof(msg) - 1;

		r = read(pfd[0], room ? msg + got : junk,
			 room ? sizeof(msg) - 1 - (size_t)got : sizeof(junk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (room)
			got += r;
	}
	close(pfd[0]);
	msg[got] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "qemu-img create %.200s failed: %.200s", overlay,
			 msg[0] ? msg : "no message");
		unlink(overlay);
		return -1;
	}
	ret = 0;
	/* Owned like its folder: an unprivileged QEMU (qemu:///session, or
	 * the system daemon's dynamic ownership turned off) must write it. */
	snprintf(dir, sizeof(dir), "%s", overlay);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	if (geteuid() == 0 && stat(dir, &st) == 0 && chown(overlay, st.st_uid, st.st_gid) < 0) {
		snprintf(err, errlen, "chown %.200s: %s", overlay, strerror(errno));
		unlink(overlay);
		ret = -1;
	}
	return ret;
}

int broker_pool_vm_start(virConnectPtr conn, const char *xml, char *err, size_t errlen)
{
	virDomainPtr dom = virDomainCreateXML(conn, xml, 0);

	if (!dom) {
		snprintf(err, errlen, "cannot start the VM: %s", broker_libvirt_last_error());
		return -1;
	}
	virDomainFree(dom);
	return 0;
}

int broker_pool_vm_address(virConnectPtr conn, const char *uri, const char *name,
			   enum st_protocol protocol, char *host, size_t hostlen, unsigned *port,
			   unsigned *tls_port, char *err, size_t errlen)
{
	struct broker_libvirt_gfx gfx;
	virDomainPtr dom = virDomainLookupByName(conn, name);
	char *xml = NULL;
	int ret = -1;

	if (!dom) {
		snprintf(err, errlen, "VM %.100s: %s", name, broker_libvirt_last_error());
		return -1;
	}
	xml = virDomainGetXMLDesc(dom, 0);
	if (!xml) {
		snprintf(err, errlen, "VM %.100s: XML: %s", name, broker_libvirt_last_error());
		goto cleanup;
	}
	if (broker_libvirt_xml_graphics(xml, strlen(xml), protocol, &gfx, err, errlen) < 0)
		goto cleanup;
	*port = gfx.port;
	*tls_port = gfx.tls_port;
	if (!gfx.port && !gfx.tls_port) {
		ret = 0;
		goto cleanup;
	}
	if (broker_libvirt_xml_host(uri, gfx.listen, host, hostlen, err, errlen) < 0)
		goto cleanup;
	ret = 1;
cleanup:
	free(xml);
	virDomainFree(dom);
	return ret;
}

int broker_pool_vm_destroy(virConnectPtr conn, const char *name, char *err, size_t errlen)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);
	int ret = 0;

	if (!dom) {
		if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
			return 0;
		snprintf(err, errlen, "VM %.100s: %s", name, broker_libvirt_last_error());
		return -1;
	}
	if (virDomainDestroy(dom) < 0 && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN &&
	    virDomainIsActive(dom) != 0) {
		snprintf(err, errlen, "cannot destroy VM %.100s: %s", name,
			 broker_libvirt_last_error());
		ret = -1;
	}
	virDomainFree(dom);
	return ret;
}

void broker_pool_vm_names_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int pool_vm_names_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(*nv));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	nv[++*n] = NULL;
	return 0;
}

int broker_pool_vm_domains(virConnectPtr conn, const char *pool, char ***out, size_t *n, char *err,
			   size_t errlen)
{
	virDomainPtr *doms = NULL;
	int count, ret = 0;

	*out = NULL;
	*n = 0;
	count = virConnectListAllDomains(
	    conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_TRANSIENT);
	if (count < 0) {
		snprintf(err, errlen, "cannot list domains: %s", broker_libvirt_last_error());
		return -1;
	}
	*out = calloc(1, sizeof(**out));
	if (!*out)
		ret = -1;
	for (int i = 0; i < count; i++) {
		const char *name = virDomainGetName(doms[i]);

		if (ret == 0 && name && broker_pool_state_is_ours(pool, name) &&
		    pool_vm_names_add(out, n, name) < 0)
			ret = -1;
		virDomainFree(doms[i]);
	}
	free(doms);
	if (ret < 0) {
		snprintf(err, errlen, "out of memory");
		broker_pool_vm_names_free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

int broker_pool_vm_overlays(const char *dir, const char *pool, char ***out, size_t *n, char *err,
			    size_t errlen)
{
	DIR *d;
	struct dirent *de;
	char vm[BROKER_POOL_VM_NAME_MAX];
	int ret = 0;

	*out = NULL;
	*n = 0;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot list %.200s: %s", dir, strerror(errno));
		broker_pool_vm_names_free(*out);
		*out = NULL;
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 6 || len - 6 >= sizeof(vm) || strcmp(de->d_name + len - 6, ".qcow2"))
			continue;
		memcpy(vm, de->d_name, len - 6);
		vm[len - 6] = '\0';
		if (broker_pool_state_is_ours(pool, vm) && pool_vm_names_add(out, n, de->d_name)) {
			snprintf(err, errlen, "out of memory");
			ret = -1;
			break;
		}
	}
	closedir(d);
	if (ret < 0) {
		broker_pool_vm_names_free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
