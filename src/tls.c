/* SPDX-License-Identifier: ISC */
/* tls.c: OpenSSL contexts made from each host's certificates at load, SNI and ALPN, shared ticket keys. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "log.h"
#include "shm.h"
#include "tls.h"
#include "vhost.h"

#define EXPIRY_WARN_DAYS 14

/*
 * Mozilla's "intermediate" configuration (version 5.7): TLS 1.2 suites with forward secrecy and AEAD only,
 * the server's order first; TLS 1.3's three suites; the groups browsers offer.
 */
static const char tls12_ciphers[] =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
static const char tls13_suites[] =
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
static const char tls_groups[] = "X25519:prime256v1:secp384r1";
/* The one protocol ALPN offers, in its wire form: a client asking for h2 alone gets no ALPN and HTTP/1.1. */
static const unsigned char alpn_http11[] = "\x08http/1.1";
/* Every context the same, so a session resumes whichever host's certificate SNI chose. */
static const unsigned char session_id_context[] = "tinyhttpd";

const bool tls_available = true;

/*
 * Ticket keys, in a shared mapping: the master writes, workers read. A writer makes seq odd, changes the
 * keys and makes it even again; a reader copies the keys and retries when seq moved meanwhile.
 */
struct ticket_key {
	unsigned char name[16];
	unsigned char aes[32];
	unsigned char hmac[32];
};

struct ticket_keys {
	atomic_uint seq;
	bool has_prev;
	struct ticket_key cur, prev;
};

static struct ticket_keys *keys;

/* The first of OpenSSL's errors, the cause the others follow from; the queue emptied for the next call. */
static const char *
ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();

	if (e == 0)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static int
make_key(struct ticket_key *k)
{
	return RAND_bytes((unsigned char *)k, sizeof(*k)) == 1 ? 0 : -1;
}

int
tls_keys_init(int *fd)
{
	char why[256];

	if ((keys = shm_new("tinyhttpd-tls-keys", sizeof(*keys), fd)) == NULL)
		return -1;
	if (make_key(&keys->cur) == -1) {
		log_err("cannot make a session ticket key: %s", ssl_reason(why, sizeof(why)));
		munmap(keys, sizeof(*keys));
		keys = NULL;
		close(*fd);
		*fd = -1;
		errno = EIO;
		return -1;
	}
	return 0;
}

int
tls_keys_attach(int fd)
{
	return (keys = shm_attach(fd, sizeof(*keys))) != NULL ? 0 : -1;
}

void
tls_keys_rotate(void)
{
	struct ticket_key k;
	char why[256];

	if (keys == NULL)
		return;
	if (make_key(&k) == -1) {
		log_warn("cannot make a new session ticket key, the current one stays: %s",
		         ssl_reason(why, sizeof(why)));
		return;
	}
	atomic_fetch_add_explicit(&keys->seq, 1, memory_order_acq_rel);
	atomic_thread_fence(memory_order_release);
	keys->prev = keys->cur;
	keys->has_prev = true;
	keys->cur = k;
	atomic_fetch_add_explicit(&keys->seq, 1, memory_order_release);
}

/* A consistent copy of the keys; false when there are none (a process the master did not set up). */
static bool
keys_read(struct ticket_keys *out)
{
	unsigned s;

	if (keys == NULL)
		return false;
	for (;;) {
		s = atomic_load_explicit(&keys->seq, memory_order_acquire);
		if (s & 1)
			continue;
		out->has_prev = keys->has_prev;
		out->cur = keys->cur;
		out->prev = keys->prev;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&keys->seq, memory_order_relaxed) == s)
			return true;
	}
}

static int
ticket_cipher(const struct ticket_key *k, unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string("key", (void *)k->hmac, sizeof(k->hmac)),
		OSSL_PARAM_construct_utf8_string("digest", "sha256", 0),
		OSSL_PARAM_construct_end(),
	};

	if (EVP_CipherInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv, enc) != 1 ||
	    EVP_MAC_CTX_set_params(hctx, params) != 1)
		return -1;
	return 0;
}

/*
 * OpenSSL asks for a key to seal a new ticket (enc) or to open one: 1 opens it, 2 opens it and asks for a
 * new ticket under the current key, 0 refuses it (a full handshake follows), -1 fails the handshake.
 */
static int
on_ticket(SSL *ssl, unsigned char name[16], unsigned char iv[EVP_MAX_IV_LENGTH], EVP_CIPHER_CTX *cctx,
          EVP_MAC_CTX *hctx, int enc)
{
	struct ticket_keys k;

	if (!keys_read(&k))
		return 0;
	if (enc) {
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1)
			return -1;
		memcpy(name, k.cur.name, sizeof(k.cur.name));
		return ticket_cipher(&k.cur, iv, cctx, hctx, 1) == 0 ? 1 : -1;
	}
	/* TLS 1.3 clients use a ticket once: a resumed session gets a new one, or the next is a full one. */
	if (memcmp(name, k.cur.name, sizeof(k.cur.name)) == 0)
		return ticket_cipher(&k.cur, iv, cctx, hctx, 0) == 0
		               ? (SSL_version(ssl) == TLS1_3_VERSION ? 2 : 1)
		               : -1;
	if (k.has_prev && memcmp(name, k.prev.name, sizeof(k.prev.name)) == 0)
		return ticket_cipher(&k.prev, iv, cctx, hctx, 0) == 0 ? 2 : -1;
	return 0;
}

/* The client's server name picks the host, as Host would, and so its certificate. */
static int
on_server_name(SSL *ssl, int *alert, void *arg)
{
	const struct tls_sni *sni = SSL_get_app_data(ssl);
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	SSL_CTX *ctx;
	size_t host;

	(void)alert;
	(void)arg;
	if (sni == NULL || name == NULL)
		return SSL_TLSEXT_ERR_OK; /* no SNI: the listener's default host, chosen at accept */
	host = vhost_match(sni->names, (struct str){ name, strlen(name) });
	ctx = sni->cfg->hosts[host].tls;
	if (ctx != NULL && ctx != SSL_get_SSL_CTX(ssl) && SSL_set_SSL_CTX(ssl, ctx) == NULL)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static int
on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
        unsigned int inlen, void *arg)
{
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_http11, sizeof(alpn_http11) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* "file:line: " and the message, into err. Returns -1. */
static int fail(const struct config *cfg, int line, char *err, size_t errlen, const char *fmt, ...)
        __attribute__((__format__(__printf__, 5, 6)));

static int
fail(const struct config *cfg, int line, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:%d: ", cfg->file, line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The lowest and highest of the protocols asked for (both when none are). */
static void
protocol_range(const struct config *cfg, int *min, int *max)
{
	size_t i;
	int v;

	if (cfg->ntls_protocols == 0) {
		*min = TLS1_2_VERSION;
		*max = TLS1_3_VERSION;
		return;
	}
	*min = TLS1_3_VERSION;
	*max = TLS1_2_VERSION;
	for (i = 0; i < cfg->ntls_protocols; i++) {
		v = strcmp(cfg->tls_protocols[i], "TLSv1.3") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
		*min = v < *min ? v : *min;
		*max = v > *max ? v : *max;
	}
}

/* Warns about a certificate that has expired or soon will: clients will refuse it. */
static void
check_expiry(const struct config *cfg, int line, const char *path, const X509 *x)
{
	const ASN1_TIME *end = X509_get0_notAfter(x);
	int days = 0, secs = 0;

	if (end == NULL || ASN1_TIME_diff(&days, &secs, NULL, end) != 1)
		return;
	if (days < 0 || secs < 0)
		log_warn("%s:%d: certificate %s has expired: clients will refuse it; renew it", cfg->file,
		         line, path);
	else if (days < EXPIRY_WARN_DAYS)
		log_warn("%s:%d: certificate %s expires in %d days; renew it", cfg->file, line, path, days);
}

/* Loads the pairs of certificate (then its chain) and key into ctx, checking that each key fits. */
static int
load_pairs(SSL_CTX *ctx, const struct config *cfg, int line, char **certs, char **keyfiles, size_t n,
           char *err, size_t errlen)
{
	char why[256];
	size_t i;
	FILE *fp;

	for (i = 0; i < n; i++) {
		/* fopen first: its errno says more than OpenSSL's "system lib" (a key only root reads). */
		if ((fp = fopen(certs[i], "r")) == NULL || fclose(fp) != 0)
			return fail(cfg, line, err, errlen,
			            "tls certificate %s: %s; fix the path or permissions", certs[i],
			            strerror(errno));
		if ((fp = fopen(keyfiles[i], "r")) == NULL || fclose(fp) != 0)
			return fail(cfg, line, err, errlen, "tls key %s: %s; fix the path or permissions",
			            keyfiles[i], strerror(errno));
		if (SSL_CTX_use_certificate_chain_file(ctx, certs[i]) != 1)
			return fail(
			        cfg, line, err, errlen,
			        "tls certificate %s: %s; it must hold PEM certificates, the server's first",
			        certs[i], ssl_reason(why, sizeof(why)));
		if (SSL_CTX_use_PrivateKey_file(ctx, keyfiles[i], SSL_FILETYPE_PEM) != 1)
			return fail(cfg, line, err, errlen,
			            "tls key %s: %s; it must be an unencrypted PEM key", keyfiles[i],
			            ssl_reason(why, sizeof(why)));
		if (SSL_CTX_check_private_key(ctx) != 1)
			return fail(cfg, line, err, errlen, "tls key %s does not match certificate %s: %s",
			            keyfiles[i], certs[i], ssl_reason(why, sizeof(why)));
		check_expiry(cfg, line, certs[i], SSL_CTX_get0_certificate(ctx));
	}
	return 0;
}

/* The context of a host served over TLS, with the settings every context shares. */
static SSL_CTX *
host_ctx(const struct config *cfg, const struct host_cfg *h, char *err, size_t errlen)
{
	int line = h->ncerts > 0 ? h->tls_line : cfg->tls_line, min, max;
	char **certs = h->ncerts > 0 ? h->certs : cfg->tls_certs,
	     **keyfiles = h->ncerts > 0 ? h->keys : cfg->tls_keys;
	size_t n = h->ncerts > 0 ? h->ncerts : cfg->ntls_certs;
	char why[256];
	SSL_CTX *ctx;

	if (n == 0) {
		fail(cfg, h->line, err, errlen,
		     "host \"%s\" is served on a TLS listener but has no certificate; give it tls = { "
		     "certificate "
		     "= \"...\"; key = \"...\"; }, or give one at the top level for every host",
		     h->names[0]);
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		fail(cfg, line, err, errlen, "cannot make a TLS context: %s", ssl_reason(why, sizeof(why)));
		return NULL;
	}
	protocol_range(cfg, &min, &max);
	SSL_CTX_set_min_proto_version(ctx, min);
	SSL_CTX_set_max_proto_version(ctx, max);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
	                                 SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF
#ifdef SSL_OP_ENABLE_KTLS
	                                 | SSL_OP_ENABLE_KTLS
#endif
	);
	/* Idle connections give their record buffers back; a file is sent from a buffer that moves. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Stateless resumption only: tickets any worker opens, no per-process session cache. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 1);
	if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, tls_groups) != 1 || SSL_CTX_set_dh_auto(ctx, 1) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, session_id_context, sizeof(session_id_context) - 1) != 1 ||
	    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket) != 1) {
		fail(cfg, line, err, errlen, "cannot set up TLS: %s", ssl_reason(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, on_server_name);
	SSL_CTX_set_alpn_select_cb(ctx, on_alpn, NULL);
	if (load_pairs(ctx, cfg, line, certs, keyfiles, n, err, errlen) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Whether host h is served on a listener that speaks TLS. */
static bool
on_tls(const struct config *cfg, const struct host_cfg *h)
{
	size_t i;

	for (i = 0; i < cfg->nlisteners; i++)
		if (cfg->listeners[i].tls && config_host_on(h, &cfg->listeners[i]))
			return true;
	return false;
}

int
tls_config_load(struct config *cfg, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < cfg->nhosts; i++)
		if (on_tls(cfg, &cfg->hosts[i]) &&
		    (cfg->hosts[i].tls = host_ctx(cfg, &cfg->hosts[i], err, errlen)) == NULL)
			return -1;
	return 0;
}

void
tls_config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nhosts; i++) {
		SSL_CTX_free(cfg->hosts[i].tls);
		cfg->hosts[i].tls = NULL;
	}
}
