/* SPDX-License-Identifier: ISC */
/* listener.c: resolve, bind and listen, and recognise the same address again across reloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

/* "127.0.0.1:8080", "[::]:8080" or "unix:/path", from the address itself, for messages. */
static void
listener_name(const struct sockaddr_storage *ss, char *name, size_t namelen)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_UNIX) {
		snprintf(name, namelen, "unix:%s", ((const struct sockaddr_un *)ss)->sun_path);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(name, namelen, "%s:%d", host, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(name, namelen, "[%s]:%d", host, ntohs(sin6->sin6_port));
	}
}

static int
listener_addr(const struct listen_cfg *lc, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	const char *address = lc->address;
	int port = lc->port;

	memset(ss, 0, sizeof(*ss));
	if (lc->path != NULL) {
		if (strlen(lc->path) >= sizeof(sun->sun_path))
			return -1;
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, lc->path);
		*len = sizeof(*sun);
		return 0;
	}
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/*
 * A unix socket's file that is already there: one left by a crash is removed, one that a live server
 * accepts on, or that is not a socket at all, is not ours to touch. Returns 0 when the path is free now.
 */
static int
listener_clear_path(const struct listener *l)
{
	const char *path = ((const struct sockaddr_un *)&l->addr)->sun_path;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : (log_errno("%s", l->name), -1);
	if (!S_ISSOCK(st.st_mode)) {
		log_err("%s: the path exists and is not a socket; remove it or choose another path", l->name);
		return -1;
	}
	/*
	 * Non-blocking: a server that stopped accepting has a full queue, where a blocking connect would
	 * hold the master forever. Only a refusal says nobody listens; a denial (another user's socket) or
	 * a socket of another type says nothing of the kind, and a live socket is not ours to remove.
	 */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_errno("%s: socket", l->name);
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)&l->addr, l->addrlen) == 0 ? 0 : errno;
	close(fd);
	if (rc == 0 || rc == EAGAIN) {
		log_err("%s: another server accepts on it; stop it or choose another path", l->name);
		return -1;
	}
	if (rc == ENOENT)
		return 0;
	if (rc != ECONNREFUSED) {
		log_msg(LOG_LVL_ERR, rc,
		        "%s: cannot tell whether a server accepts on it; remove it or choose another path",
		        l->name);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_errno("%s: cannot remove the stale socket", l->name);
		return -1;
	}
	log_info("%s: removed a socket nothing accepted on", l->name);
	return 0;
}

/* Binds a unix socket with mode, which bind() alone would take from the umask. */
static int
listener_bind_unix(struct listener *l, int fd, mode_t mode)
{
	const char *path = ((const struct sockaddr_un *)&l->addr)->sun_path;
	struct stat st;
	mode_t old;
	int rc;

	if (listener_clear_path(l) == -1)
		return -1;
	/* Created with its mode already: a chmod after bind() leaves a moment in which anyone may connect. */
	old = umask(~mode & 0777);
	rc = bind(fd, (const struct sockaddr *)&l->addr, l->addrlen);
	umask(old);
	if (rc == -1) {
		log_errno("cannot bind %s", l->name);
		return -1;
	}
	if (stat(path, &st) == -1) {
		log_errno("%s: stat", l->name);
		unlink(path);
		return -1;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

static int
listener_open(struct listener *l, const struct listen_cfg *lc, int backlog)
{
	int fd, on = 1, v6only = l->ipv6_only;
	bool tcp = l->addr.ss_family != AF_UNIX;

	if ((fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_errno("%s: socket", l->name);
		return -1;
	}
	if (!tcp) {
		if (listener_bind_unix(l, fd, lc->mode) == -1)
			goto fail;
	} else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	           (l->addr.ss_family == AF_INET6 &&
	            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == -1)) {
		/* Restarts must not wait out TIME_WAIT; "::" serves IPv4 too unless ipv6_only says not. */
		log_errno("%s: setsockopt", l->name);
		goto fail;
	} else if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == -1) {
		log_errno("cannot bind %s (is another server on that port, or is it privileged?)", l->name);
		goto fail;
	}
	if (listen(fd, backlog) == -1) {
		log_errno("%s: listen", l->name);
		if (!tcp)
			unlink(((const struct sockaddr_un *)&l->addr)->sun_path);
		goto fail;
	}
	if (!tcp)
		return fd;
	/*
	 * Hand over a connection once its request has arrived, so a worker reads it right after accept
	 * instead of waiting for epoll; one that sends nothing comes after a second anyway (a SYN-ACK
	 * retransmission) and gets request_timeout like any other. An optimisation only.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &on, sizeof(on)) == -1)
		log_warn_errno("%s: TCP_DEFER_ACCEPT; going on without it", l->name);
	return fd;
fail:
	close(fd);
	return -1;
}

struct listener *
listener_get(struct listener **list, const struct listen_cfg *lc, int backlog)
{
	struct listener key = { .ipv6_only = lc->ipv6_only }, *l;

	if (listener_addr(lc, &key.addr, &key.addrlen) == -1) {
		log_err("'%s' is not a numeric IPv4 or IPv6 address, nor a short enough socket path",
		        lc->path ? lc->path : lc->address);
		return NULL;
	}
	listener_name(&key.addr, key.name, sizeof(key.name));
	for (l = *list; l != NULL; l = l->next) {
		if (l->addrlen == key.addrlen && memcmp(&l->addr, &key.addr, key.addrlen) == 0 &&
		    l->ipv6_only == key.ipv6_only) {
			/* listen() again only resizes the queue: nothing queued is lost. */
			if (listen(l->fd, backlog) == -1)
				log_warn_errno("%s: cannot change the backlog to %d; keeping the old one",
				               l->name, backlog);
			if (lc->path != NULL && chmod(lc->path, lc->mode) == -1)
				log_warn_errno("%s: cannot change the mode to %04o", l->name,
				               (unsigned)lc->mode);
			l->refs++;
			return l;
		}
	}
	if ((l = malloc(sizeof(*l))) == NULL) {
		log_errno("listener");
		return NULL;
	}
	*l = key;
	if ((l->fd = listener_open(l, lc, backlog)) == -1) {
		free(l);
		return NULL;
	}
	l->refs = 1;
	l->next = *list;
	*list = l;
	return l;
}

/* The first descriptor a service manager passes (SD_LISTEN_FDS_START). */
#define LISTEN_FDS_START 3

static int
listener_take(struct listener **list, int fd)
{
	struct listener *l;
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 || type != SOCK_STREAM ||
	    (len = sizeof(listening), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len)) == -1 ||
	    !listening) {
		log_err("descriptor %d from the service manager is not a listening TCP socket; ignored", fd);
		return -1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_errno("listener");
		return -1;
	}
	l->addrlen = sizeof(l->addr);
	if (getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen) == -1 ||
	    (l->addr.ss_family != AF_INET && l->addr.ss_family != AF_INET6)) {
		log_err("descriptor %d from the service manager is not an IPv4 or IPv6 socket; ignored", fd);
		free(l);
		return -1;
	}
	listener_name(&l->addr, l->name, sizeof(l->name));
	/* The workers' epoll loops need it non-blocking; a worker forked later must not leak it to exec. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		log_errno("%s: fcntl", l->name);
	l->fd = fd;
	l->refs = 1;
	l->next = *list;
	*list = l;
	log_info("listening on %s, passed by the service manager", l->name);
	return 0;
}

int
listener_adopt_activated(struct listener **list)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int i, n, taken = 0;

	/* The variables are for this process alone: the workers must not take them as theirs. */
	n = pid != NULL && fds != NULL && atol(pid) == (long)getpid() ? atoi(fds) : 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (i = 0; i < n; i++)
		taken += listener_take(list, LISTEN_FDS_START + i) == 0;
	return taken;
}

struct listener *
listener_adopt(struct listener **list, const struct upgrade_listener *ul)
{
	struct listener *l, **pp;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_errno("listener");
		return NULL;
	}
	memcpy(&l->addr, &ul->addr, ul->addrlen);
	l->addrlen = ul->addrlen;
	l->ipv6_only = ul->ipv6_only;
	listener_name(&l->addr, l->name, sizeof(l->name));
	l->fd = ul->fd;
	l->refs = ul->refs;
	l->dev = (dev_t)ul->dev;
	l->ino = (ino_t)ul->ino;
	if (fcntl(l->fd, F_SETFD, FD_CLOEXEC) == -1)
		log_errno("%s: fcntl", l->name);
	for (pp = list; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = l;
	return l;
}

/* A unix socket's file goes with its socket, unless something else has taken the path since. */
static void
listener_unlink(const struct listener *l)
{
	const char *path = ((const struct sockaddr_un *)&l->addr)->sun_path;
	struct stat st;

	if (l->addr.ss_family != AF_UNIX || l->ino == 0)
		return;
	if (stat(path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino && unlink(path) == -1)
		log_warn_errno("%s: cannot remove the socket file", l->name);
}

void
listener_refuse_new(const struct listener *l)
{
	/*
	 * A socket filter sees a segment from its TCP header on: drop those with SYN and not ACK (flags, byte
	 * 13), a connection's first; the ACK that completes one already under way passes, and it is queued.
	 */
	static struct sock_filter drop_syn[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),          BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1), BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	static const struct sock_fprog prog = { .len = sizeof(drop_syn) / sizeof(drop_syn[0]),
		                                .filter = drop_syn };

	if (l->addr.ss_family != AF_INET && l->addr.ss_family != AF_INET6)
		return;
	if (setsockopt(l->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == -1)
		log_warn_errno(
		        "%s: cannot refuse new connections before it closes; one that comes just as it "
		        "closes may be reset",
		        l->name);
}

void
listener_put(struct listener **list, struct listener *l)
{
	struct listener **pp;

	if (--l->refs > 0)
		return;
	for (pp = list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	close(l->fd);
	listener_unlink(l);
	free(l);
}
