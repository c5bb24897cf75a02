/* Whether the caller may use a USB device node: it exists, is a USB
 * character device, and opens read-write with the caller's own rights.
 * Nothing is granted: the helper is never set-user-ID, so the open below
 * succeeds exactly when libusb's open in the caller would. */
#ifndef USB_ACL_DEVICE_H
#define USB_ACL_DEVICE_H

enum usb_acl_device_status {
	USB_ACL_DEVICE_OK = 0,
	USB_ACL_DEVICE_MISSING,	 /* no such node */
	USB_ACL_DEVICE_NOT_USB,	 /* a symlink, or not a USB character device */
	USB_ACL_DEVICE_DENIED,	 /* the caller may not open it read-write */
	USB_ACL_DEVICE_UNUSABLE, /* any other failure to open it */
};

enum usb_acl_device_status usb_acl_device_check(const char *path);

/* A short sentence for the status, without the path (spice-gtk passes the
 * answer on to the program that links it). */
const char *usb_acl_device_reason(enum usb_acl_device_status status);

#endif
