/* SPDX-License-Identifier: ISC */
/* tlsclient.h: what bench/holdconns.c and bench/tlsloop.c share: a TLS client context and its calls' results.
 */
#ifndef BENCH_TLSCLIENT_H
#define BENCH_TLSCLIENT_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>

/* The name the benchmark's certificate is made for (scripts/make-cert's default), sent by SNI. */
#define TLS_SERVER_NAME "localhost"

/*
 * The context every connection of a client program is made from. The protocol versions are OpenSSL's
 * defaults, which the system configuration narrows (bench/compare.sh sets OPENSSL_CONF to choose one).
 */
static SSL_CTX *
tls_client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ERR_print_errors_fp(stderr);
		return NULL;
	}
	/* The benchmark's certificate is self-signed; the handshake costs the server the same either way. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* holdconns keeps thousands of idle connections: none should hold record buffers in this process. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* A session is resumed only when the program says so (tlsloop -r), never from OpenSSL's client cache.
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/* A client on socket fd (connected or connecting), offering session when it is not NULL. */
static SSL *
tls_client_new(SSL_CTX *ctx, int fd, SSL_SESSION *session)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_set_tlsext_host_name(ssl, TLS_SERVER_NAME) != 1 ||
	    (session != NULL && SSL_set_session(ssl, session) != 1)) {
		ERR_print_errors_fp(stderr);
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	return ssl;
}

/*
 * What the result r of SSL_connect, SSL_read or SSL_write on ssl means: 1 done (r > 0), 0 when the socket
 * must become ready first (*events is then what poll should wait for), -1 on a failure or the peer's close.
 */
static int
tls_result(SSL *ssl, int r, short *events)
{
	if (r > 0)
		return 1;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ: *events = POLLIN; return 0;
	case SSL_ERROR_WANT_WRITE: *events = POLLOUT; return 0;
	default: ERR_clear_error(); return -1;
	}
}

#endif
