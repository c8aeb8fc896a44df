/* SPDX-License-Identifier: ISC */
/* fuzz_config.c: libFuzzer harness for config_load (and config_print) on arbitrary file contents. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Per process, so that parallel fuzzing jobs do not load each other's inputs. */
	static char path[64];
	static FILE *null;
	const struct host_cfg *h;
	struct config *cfg;
	char err[1024];
	size_t off, i, j, next;
	ssize_t n;
	int fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz_config.%ld.conf", (long)getpid());
		CHECK((null = fopen("/dev/null", "w")) != NULL);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd != -1);
	for (off = 0; off < size; off += (size_t)n)
		CHECK((n = write(fd, data + off, size - off)) > 0);
	CHECK(close(fd) == 0);

	err[0] = '\0';
	cfg = config_load(path, err, sizeof(err));
	/* Either a config the server can run with, or a message that says what is wrong. */
	if (cfg != NULL) {
		CHECK(cfg->nroutes > 0 && cfg->file != NULL && cfg->address != NULL &&
		      cfg->access_log != NULL);
		for (i = 0; i < cfg->nroutes; i++)
			CHECK(cfg->routes[i].method != NULL && cfg->routes[i].path[0] == '/' &&
			      cfg->routes[i].target != NULL);
		/* Each listener TCP or a unix socket; the hosts' routes, in order, are all the routes. */
		CHECK(cfg->nlisteners > 0 && cfg->nhosts > 0);
		for (i = 0; i < cfg->nlisteners; i++)
			CHECK((cfg->listeners[i].address == NULL) != (cfg->listeners[i].path == NULL));
		for (i = 0, next = 0; i < cfg->nhosts; i++) {
			h = &cfg->hosts[i];
			CHECK(h->nnames > 0 && h->nroutes > 0 && h->first_route == next);
			for (j = 0; j < h->nroutes; j++)
				CHECK(cfg->routes[next + j].host == i);
			next += h->nroutes;
		}
		CHECK(next == cfg->nroutes);
		/* tinyhttpd -T on it. */
		CHECK(config_print(cfg, null) == 0);
	} else {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)) != NULL);
	}
	config_free(cfg);
	CHECK(unlink(path) == 0);
	return 0;
}
