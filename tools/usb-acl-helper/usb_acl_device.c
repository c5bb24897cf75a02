/* The device node check: see usb_acl_device.h. */
#include "usb_acl_device.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The character major of usbfs device nodes (USB_DEVICE_MAJOR). */
#define USB_ACL_DEVICE_MAJOR 189

enum usb_acl_device_status usb_acl_device_check(const char *path)
{
	enum usb_acl_device_status status = USB_ACL_DEVICE_UNUSABLE;
	struct stat st;
	int fd;

	/* Opened, then checked through the descriptor: what is checked is
	 * what was opened. O_NOFOLLOW refuses a symlink planted in its place,
	 * O_NONBLOCK keeps a FIFO from blocking the helper. */
	fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		switch (errno) {
		case ENOENT:
		case ENOTDIR:
		case ENXIO:
		case ENODEV:
			status = USB_ACL_DEVICE_MISSING;
			break;
		case EACCES:
		case EPERM:
		case EROFS:
			status = USB_ACL_DEVICE_DENIED;
			break;
		case ELOOP:
		case EISDIR:
			status = USB_ACL_DEVICE_NOT_USB;
			break;
		default:
			status = USB_ACL_DEVICE_UNUSABLE;
			break;
		}
		goto cleanup;
	}
	if (fstat(fd, &st) < 0)
		goto cleanup;
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != USB_ACL_DEVICE_MAJOR) {
		status = USB_ACL_DEVICE_NOT_USB;
		goto cleanup;
	}
	status = USB_ACL_DEVICE_OK;
cleanup:
	if (fd >= 0)
		close(fd);
	return status;
}

const char *usb_acl_device_reason(enum usb_acl_device_status status)
{
	switch (status) {
	case USB_ACL_DEVICE_OK:
		return "usable";
	case USB_ACL_DEVICE_MISSING:
		return "the device is gone";
	case USB_ACL_DEVICE_NOT_USB:
		return "not a USB device node";
	case USB_ACL_DEVICE_DENIED:
		return "no permission to open the device";
	case USB_ACL_DEVICE_UNUSABLE:
		break;
	}
	return "the device cannot be opened";
}
