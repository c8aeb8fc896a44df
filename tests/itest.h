/* SPDX-License-Identifier: ISC */
/* itest.h: integration test helpers: run the real src/tinyhttpd on a loopback port and talk to it. */
#ifndef ITEST_H
#define ITEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* The seed routes, with the file and root routes pointing at the source tree's www/. */
extern const char *itest_seed_routes;

struct server {
	pid_t pid;
	int port;
	char dir[256]; /* a temporary directory: the config and the server's stderr live here */
	char conf[300];
	char log[300];
	char server_extra[1024];
	/* Optional, set before itest_start: a listening socket passed as fd 3 with LISTEN_FDS (socket
	 * activation; the port is its port), and a NOTIFY_SOCKET path. */
	bool activate;
	int listen_fd;
	char notify_socket[108];
	/* Optional: runs in the server's process right before the exec, stderr already on log. */
	void (*before_exec)(void);
	char routes[4096];
};

/*
 * Writes s->conf for s->port with the settings in server_extra ("workers = 1;" ...) and routes. When
 * routes starts with "listen", it is the rest of the file (listen = ( ... ); hosts = ( ... );), and one
 * of its listeners should be on @PORT@. @PORT@, @DIR@ (s->dir) and @WWW@ (the demo pages) are filled in.
 */
void itest_write_config(struct server *s, const char *server_extra, const char *routes);

/* Starts the server on a free port with that config and waits until it answers; fails the test if not. */
void itest_start(struct server *s, const char *server_extra, const char *routes);

/* Starts it again on the port it had, with a new directory and config: a restart after itest_stop. */
void itest_restart(struct server *s, const char *server_extra, const char *routes);

/* The same with the server's RLIMIT_NOFILE, soft and hard, set to nofile: to run it out of descriptors. */
void itest_start_limited(struct server *s, const char *server_extra, const char *routes, rlim_t nofile);

/* Sends sig to the master, waits for it to exit (bounded), checks status 0 and that no worker is left. */
void itest_stop(struct server *s, int sig);

/*
 * A datagram socket for s's sd_notify messages, with the senders' credentials, at "notify" in a new
 * temporary directory dir[64]; s->notify_socket names it. Returns the socket.
 */
int itest_notify_open(struct server *s, char *dir);

/*
 * Waits up to timeout_ms for the next sd_notify message on fd: it must start with state, hold status
 * unless that is NULL, and come from pid (systemd's NotifyAccess=main takes the main PID's only).
 */
void itest_expect_state(int fd, int timeout_ms, const char *state, const char *status, pid_t pid);

/* Closes the notify socket fd and removes its directory; s no longer names it. */
void itest_notify_close(struct server *s, int fd, const char *dir);

/* Waits (bounded) until every generation s started has ended but the serving one; fails the test if not. */
void itest_wait_generations_ended(const struct server *s, int timeout_ms);

/* Removes path and all below it (links, not what they point to), if it exists; fails the test if it cannot.
 */
void itest_remove_tree(const char *path);

/* itest_stop with a second stop signal, sent once the master has logged "stopped": it comes while the
 * master is exiting, and must not keep it from exiting 0. */
void itest_stop_twice(struct server *s, int first, int second);

/* The master's children, i.e. its workers. Returns how many were found. */
size_t itest_workers(pid_t master, pid_t *pids, size_t max);

/* The master's children that have exited and were not reaped. */
size_t itest_zombies(pid_t master);

/* The number of open descriptors of a process. */
int itest_fd_count(pid_t pid);

/* The number on a "name:" line of /proc/pid/status (VmRSS and VmHWM are in kB); -1 when there is none. */
long itest_proc_status(pid_t pid, const char *name);

/* The CPU time, user and system, a process has used, in ms; -1 when it is gone. */
long itest_cpu_ms(pid_t pid);

/* Whether the file at path contains needle, waiting at most timeout_ms for it (0: look once). */
bool itest_file_has(const char *path, const char *needle, int timeout_ms);

/* How many times needle occurs in the server's log now. */
size_t itest_log_count(const struct server *s, const char *needle);

/* Waits (bounded) until the server's log contains needle. */
bool itest_wait_log(const struct server *s, const char *needle, int timeout_ms);

int itest_free_port(void);

/* Milliseconds of CLOCK_MONOTONIC, for deadlines. */
uint64_t itest_now(void);

struct client {
	int fd;
	void *ssl;         /* an OpenSSL SSL once itest_tls() made the connection TLS; NULL: plain */
	bool head_request; /* the next response answers HEAD: no body */
	char buf[1 << 20];
	size_t len;
};

struct resp {
	int status;
	char head[8192]; /* status line and headers, NUL-terminated */
	char body[1 << 16];
	size_t body_len;
};

/* Whether something accepts a connection on 127.0.0.1:port. */
bool itest_answers(int port);

/* Connects to 127.0.0.1:port; -1 when refused. */
int itest_connect(struct client *c, int port);

/* The same over AF_INET or AF_INET6 (to ::1). */
int itest_connect_family(struct client *c, int family, int port);

/* The same from the local IPv4 address source, e.g. "127.0.0.2": a client the server can tell apart. */
int itest_connect_from(struct client *c, const char *source, int port);

/* Connects c to the unix socket at path; -1 when refused. */
int itest_connect_unix(struct client *c, const char *path);

/* A non-blocking socket connecting to 127.0.0.1:port; the connection may still be in progress. */
int itest_connect_nonblock(int port);
void itest_send(struct client *c, const char *data, size_t len);

/* The same without asserting, for client processes: returns 0, or -1 when the peer is gone. */
int itest_try_send(struct client *c, const char *data, size_t len);
void itest_sends(struct client *c, const char *s);

/* Reads one whole response (by Content-Length). Returns 0, or -1 on EOF, reset, timeout or garbage. */
int itest_read(struct client *c, struct resp *r, int timeout_ms);

/* Reads until the server closes. Returns true when it did within timeout_ms. */
bool itest_closed(struct client *c, int timeout_ms);

void itest_close(struct client *c);

/* One request on a new connection: connect, send raw, read the response. Returns 0 or -1. */
int itest_request(int port, const char *raw, struct resp *r);

/* A urlencoded form POST of body to path, Content-Length computed; in a static buffer. */
const char *itest_form(const char *path, const char *body);

/* The value of header name in r, NUL-terminated in a static buffer, or NULL. */
const char *itest_header(const struct resp *r, const char *name);

/*
 * Load: client processes that send GET requests until the test stops them, and never retry, so that every
 * error is a lost request. Even-numbered clients keep one connection alive, closed only when the server
 * says Connection: close; odd-numbered ones open one per request and ask for Connection: close.
 */
struct itest_load {
	const char *host; /* each request is GET path with Host: host */
	const char *path;
	const volatile int *port; /* 127.0.0.1:*port, read at each connect: the test may move it */
	const char *source;       /* NULL, or the local IPv4 address to connect from (itest_connect_from) */
	const char *sni;          /* NULL: plain HTTP; else TLS with this SNI */
	int read_ms;              /* how long an answer may take */
	int run_ms;               /* 0, or how long a client runs at most, whatever happens to the test */
	bool (*answer_ok)(const struct resp *r);
	/* NULL, or what the test is doing now ("during the reload"), added to a failure's reason. */
	const char *(*when)(void);
};

struct itest_loads;

/* Starts that many clients running load; they die with the test process. */
struct itest_loads *itest_load_start(const struct itest_load *load, int clients);

/* The requests answered right so far, by all the clients. */
long itest_load_answered(const struct itest_loads *l);

/*
 * Stops the clients and frees l. Prints the totals after what ("through HAProxy") and each failing
 * client's first failure, then fails the test unless every client exited 0, had answers and lost none.
 * Returns the requests answered.
 */
long itest_load_finish(struct itest_loads *l, const char *what);

/*
 * TLS, for servers built with OpenSSL (tls_available). Certificates are made with the openssl command:
 * dir/name.crt and dir/name.key, self-signed for cn (also its subjectAltName), with serial, key type "ec"
 * (P-256) or "rsa" (2048 bits), valid for days (negative: expired that long ago is not possible with req,
 * so days >= 1).
 */
void itest_make_cert(const char *dir, const char *name, const char *cn, long serial, const char *type,
                     int days);

/* The TLS versions the client offers from now on (TLS1_VERSION ... TLS1_3_VERSION); 0, 0: the defaults. */
void itest_tls_versions(int min, int max);

/* The ALPN list the client offers from now on, in wire form ("\x02h2"), or NULL for none. */
void itest_tls_alpn(const unsigned char *list, size_t len);

/* The signature algorithms the client accepts from now on (OpenSSL's list syntax), or NULL: the defaults. */
void itest_tls_sigalgs(const char *list);

/*
 * Makes the connected c TLS: a handshake with SNI name (NULL: none), resuming session (an SSL_SESSION
 * from itest_tls_session(), or NULL). The server's certificate is not verified. Returns 0, or -1 with the
 * OpenSSL error's reason in itest_tls_error.
 */
int itest_tls(struct client *c, const char *sni, void *session);
extern char itest_tls_error[256];

/* c's session, to resume later (read a response first: TLS 1.3 tickets come after the handshake). */
void *itest_tls_session(struct client *c);
void itest_tls_session_free(void *session);
bool itest_tls_resumed(const struct client *c);
/* The server certificate's serial number, the protocol ("TLSv1.3") and the ALPN chosen ("" for none). */
long itest_tls_serial(const struct client *c);
const char *itest_tls_protocol(const struct client *c);
const char *itest_tls_alpn_chosen(const struct client *c);

/* itest_request over TLS with SNI sni. */
int itest_tls_request(int port, const char *sni, const char *raw, struct resp *r);

#endif
