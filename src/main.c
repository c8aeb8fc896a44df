/* SPDX-License-Identifier: ISC */
/* main.c: the command line: check a config, print it as understood, or run the master in the foreground. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "master.h"

#ifndef TINYHTTPD_CONF
#define TINYHTTPD_CONF "/etc/tinyhttpd/tinyhttpd.conf"
#endif

static void
usage(FILE *out)
{
	fprintf(out, "usage: tinyhttpd [-t | -T] [-c file]\n"
	             "  -c file  configuration file (default " TINYHTTPD_CONF ")\n"
	             "  -t       check the configuration and exit: 0 when valid, 1 with file:line: error\n"
	             "  -T       like -t, and print every setting in effect with its help, the listeners\n"
	             "           and the hosts with their routes\n"
	             "  -h       this help\n"
	             "  -V       print the version\n"
	             "Runs in the foreground and logs to stderr. Signals to the master: HUP reloads the\n"
	             "configuration, TERM or INT stops at once, QUIT stops after in-flight requests.\n");
}

int
main(int argc, char *argv[])
{
	const char *path = TINYHTTPD_CONF;
	struct config *cfg;
	char err[1024];
	int ch, test = 0, dump = 0;

	log_init();
	while ((ch = getopt(argc, argv, "c:tThV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 't': test = 1; break;
		case 'T': test = dump = 1; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("tinyhttpd %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	/* Through the error log: under systemd (ExecStartPre, ExecReload) with a priority and no second tag.
	 */
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		log_err("%s", err);
		return EXIT_FAILURE;
	}
	if (test) {
		log_info("%s: configuration is valid", path);
		if (dump) {
			printf("# %s, as tinyhttpd understands it\n", path);
			if (config_print(cfg, stdout) == -1) {
				log_errno("cannot write the configuration");
				test = -1;
			}
		}
		config_free(cfg);
		return test == -1 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	return master_run(cfg);
}
