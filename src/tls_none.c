/* SPDX-License-Identifier: ISC */
/* tls_none.c: a build without OpenSSL: the loader refuses tls = true, so nothing here is ever asked for. */
#include <errno.h>

#include "tls.h"

const bool tls_available = false;

int
tls_config_load(struct config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	return 0;
}

void
tls_config_free(struct config *cfg)
{
	(void)cfg;
}

int
tls_keys_init(int *fd)
{
	*fd = -1;
	return 0;
}

int
tls_keys_attach(int fd)
{
	(void)fd;
	errno = ENOTSUP;
	return -1;
}

void
tls_keys_rotate(void)
{
}

struct transport *
tls_transport_new(const struct config *cfg, const struct vhost_table *names)
{
	(void)cfg;
	(void)names;
	errno = ENOTSUP;
	return NULL;
}
