/* SPDX-License-Identifier: ISC */
/* main.c: the command line: check a config, print it as understood, or run the master in the foreground. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "master.h"
#include "version.h"

#ifndef TINYHTTPD_CONF
#define TINYHTTPD_CONF "/etc/tinyhttpd/tinyhttpd.conf"
#endif

static void
usage(FILE *out)
{
	fprintf(out, "usage: tinyhttpd [-t | -T] [-c file] [-u fd]\n"
	             "  -c file  configuration file (default " TINYHTTPD_CONF ")\n"
	             "  -t       check the configuration and exit: 0 when valid, 1 with file:line: error\n"
	             "  -T       like -t, and print every setting in effect with its help, the listeners\n"
	             "           and the hosts with their routes\n"
	             "  -h       this help\n"
	             "  -V       print the version\n"
	             "  -u fd    (internal) take over from the master an upgrade replaced, its state in fd\n"
	             "Runs in the foreground and logs to stderr. Signals to the master: HUP reloads the\n"
	             "configuration (and upgrades to a new executable at the same path), TERM or INT\n"
	             "stops at once, QUIT stops after in-flight requests.\n");
}

int
main(int argc, char *argv[])
{
	const char *path = TINYHTTPD_CONF;
	struct config *cfg;
	char err[1024];
	int ch, test = 0, dump = 0, state_fd = -1;
	char *end;

	log_init();
	while ((ch = getopt(argc, argv, "c:tThVu:")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 't': test = 1; break;
		case 'T': test = dump = 1; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("tinyhttpd %s\n", tinyhttpd_version); return EXIT_SUCCESS;
		case 'u':
			errno = 0;
			state_fd = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || state_fd < 0) {
				fprintf(stderr, "tinyhttpd: -u %s: not a descriptor\n", optarg);
				return EXIT_FAILURE;
			}
			break;
		default: usage(stderr); return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	/* Upgraded, it has workers to take over whatever the config says now: the master reads it itself. */
	if (state_fd != -1 && !test)
		return master_resume(path, state_fd);
	/* Through the error log: under systemd (ExecStartPre, ExecReload) with a priority and no second tag.
	 */
	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		log_err("%s", err);
		return EXIT_FAILURE;
	}
	if (test && state_fd != -1 && master_check_state(state_fd, err, sizeof(err)) == -1) {
		log_err("the upgrade state in descriptor %d: %s", state_fd, err);
		config_free(cfg);
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
