/* SPDX-License-Identifier: ISC */
/* transport_tls.c: the TLS transport: OpenSSL over the connection's socket, files by kTLS or 16 KiB records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"
#include "vhost.h"

#define RECORD_MAX    16384 /* the most plaintext one TLS record carries */
#define TLS_HANDSHAKE 0x16  /* the first byte of a ClientHello's record */

struct tls_conn {
	struct transport t;
	struct tls_sni sni;
	SSL *ssl; /* made when the first bytes come: an accepted connection that sends nothing costs less */
	bool ktls_checked;
	bool ktls; /* the kernel encrypts what we send: files go by sendfile */
};

/* Said once to a client that speaks plain HTTP to a TLS port; it is closed after. */
static const char plain_http_answer[] = "HTTP/1.1 400 Bad Request\r\n"
                                        "Content-Type: text/plain; charset=utf-8\r\n"
                                        "Content-Length: 54\r\n"
                                        "Connection: close\r\n"
                                        "\r\n"
                                        "This port speaks HTTPS: ask for https:// at this port\n";

/* A file's bytes on their way into records, when the kernel cannot encrypt; one connection at a time. */
static unsigned char file_buf[RECORD_MAX];

/* What a failed OpenSSL call on c means for the caller, given the way it was going. */
static ssize_t
tls_result(struct tls_conn *c, int ret, int own)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ: c->t.wants = own == TH_WANT_READ ? 0 : EPOLLIN; return TH_WANT_READ;
	case SSL_ERROR_WANT_WRITE: c->t.wants = own == TH_WANT_WRITE ? 0 : EPOLLOUT; return TH_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify, or an end of stream without one: the end, to a reader; a writer is cut off.
		 */
		return own == TH_WANT_READ ? 0 : TH_ERROR;
	default:
		/* A broken handshake or record is the client's business: logged by nobody, closed. */
		ERR_clear_error();
		return TH_ERROR;
	}
}

/*
 * Before the first record: a client that speaks plain HTTP here is told where it went wrong; anything else
 * that is not a TLS handshake is closed without a word. Returns TH_OK to go on with TLS, TH_DONE at the end
 * of the stream, TH_WANT_READ or TH_ERROR.
 */
static ssize_t
tls_start(struct tls_conn *c, int fd)
{
	unsigned char first;
	ssize_t n;

	do
		n = recv(fd, &first, 1, MSG_PEEK);
	while (n == -1 && errno == EINTR);
	if (n == 0)
		return TH_DONE;
	if (n == -1)
		return errno == EAGAIN ? TH_WANT_READ : TH_ERROR;
	if (first != TLS_HANDSHAKE) {
		if (first >= 'A' && first <= 'Z')
			(void)!send(fd, plain_http_answer, sizeof(plain_http_answer) - 1, MSG_NOSIGNAL);
		return TH_ERROR;
	}
	if ((c->ssl = SSL_new(c->sni.cfg->hosts[vhost_match(c->sni.names, (struct str){ "", 0 })].tls)) ==
	            NULL ||
	    SSL_set_fd(c->ssl, fd) != 1) {
		log_warn("cannot start a TLS connection: out of memory");
		ERR_clear_error();
		return TH_ERROR;
	}
	SSL_set_app_data(c->ssl, &c->sni);
	SSL_set_accept_state(c->ssl);
	return TH_OK;
}

static ssize_t
tls_recv(struct transport *t, int fd, void *buf, size_t len)
{
	struct tls_conn *c = (struct tls_conn *)t;
	size_t n;
	ssize_t r;
	int ret;

	if (c->ssl == NULL && (r = tls_start(c, fd)) != TH_OK)
		return r == TH_DONE ? 0 : r;
	c->t.wants = 0;
	ret = SSL_read_ex(c->ssl, buf, len, &n);
	c->t.buffered = SSL_pending(c->ssl) > 0;
	return ret == 1 ? (ssize_t)n : tls_result(c, ret, TH_WANT_READ);
}

static ssize_t
tls_send(struct transport *t, int fd, const void *buf, size_t len, bool more)
{
	struct tls_conn *c = (struct tls_conn *)t;
	size_t n;
	int ret;

	(void)fd;
	(void)more; /* each record goes out whole; there is nothing to hold back */
	c->t.wants = 0;
	ret = SSL_write_ex(c->ssl, buf, len, &n);
	return ret == 1 ? (ssize_t)n : tls_result(c, ret, TH_WANT_WRITE);
}

/* Whether the kernel took over encryption after the handshake; said once per process when it cannot. */
static bool
tls_ktls(struct tls_conn *c)
{
	static bool said;

	if (!c->ktls_checked) {
		c->ktls_checked = true;
		c->ktls = BIO_get_ktls_send(SSL_get_wbio(c->ssl)) > 0;
		if (!c->ktls && !said) {
			said = true;
			log_info("kernel TLS is not available (no tls module, or not for this cipher): "
			         "files are encrypted here, %d KiB a record",
			         RECORD_MAX / 1024);
		}
	}
	return c->ktls;
}

static ssize_t
tls_sendfile(struct transport *t, int fd, int file_fd, off_t *off, size_t len)
{
	struct tls_conn *c = (struct tls_conn *)t;
	ossl_ssize_t k;
	ssize_t n;
	size_t sent;
	int ret;

	(void)fd;
	c->t.wants = 0;
	if (tls_ktls(c)) {
		if ((k = SSL_sendfile(c->ssl, file_fd, *off, len, 0)) < 0)
			return tls_result(c, (int)k, TH_WANT_WRITE);
		*off += k;
		return k;
	}
	/*
	 * One record at a time, read again from the same offset when OpenSSL asks for the call again: the
	 * same bytes, from a buffer that may have served other connections meanwhile.
	 */
	do
		n = pread(file_fd, file_buf, len < sizeof(file_buf) ? len : sizeof(file_buf), *off);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == -1)
			log_warn_errno("cannot read a file being sent");
		return n == 0 ? 0 : TH_ERROR;
	}
	ret = SSL_write_ex(c->ssl, file_buf, (size_t)n, &sent);
	if (ret != 1)
		return tls_result(c, ret, TH_WANT_WRITE);
	*off += (off_t)sent;
	return (ssize_t)sent;
}

/* close_notify, then the TCP end of stream; a peer still sending is drained by the caller. */
static int
tls_shutdown(struct transport *t, int fd)
{
	struct tls_conn *c = (struct tls_conn *)t;

	if (c->ssl != NULL && SSL_is_init_finished(c->ssl) && SSL_shutdown(c->ssl) < 0)
		ERR_clear_error();
	return shutdown(fd, SHUT_WR) == -1 ? TH_ERROR : TH_OK;
}

static void
tls_release(struct transport *t)
{
	struct tls_conn *c = (struct tls_conn *)t;

	/* An idle connection timed out or the server stops: say so, as a TLS peer should (best effort). */
	if (c->ssl != NULL && SSL_is_init_finished(c->ssl) &&
	    !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN) && SSL_shutdown(c->ssl) < 0)
		ERR_clear_error();
	SSL_free(c->ssl);
	free(c);
}

static const struct transport_ops tls_ops = {
	.recv = tls_recv,
	.send = tls_send,
	.sendfile = tls_sendfile,
	.shutdown = tls_shutdown,
	.release = tls_release,
};

struct transport *
tls_transport_new(const struct config *cfg, const struct vhost_table *names)
{
	struct tls_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->t.ops = &tls_ops;
	c->sni.cfg = cfg;
	c->sni.names = names;
	return &c->t;
}
