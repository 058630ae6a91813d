/*
 * Linked only into the static variant "make bench" measures.  A static
 * glibc loads the NSS modules nsswitch.conf names (libnss_systemd here)
 * with its own dlopen, and control's walk of the passwd database crashes
 * in the loaded module.  The variant reads the files alone.
 */
#include <nss.h>

static void bench_static_nss(void) __attribute__((constructor));

static void
bench_static_nss(void)
{
	__nss_configure_lookup("passwd", "files");
	__nss_configure_lookup("group", "files");
}
