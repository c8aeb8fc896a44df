/* SPDX-License-Identifier: ISC */
/* proxy_proto.h: the PROXY protocol header a load balancer sends first (HAProxy's v1 text and v2 binary). */
#ifndef PROXY_PROTO_H
#define PROXY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "status.h"

/* The longest v1 line, CRLF included, that the specification lets a receiver accept. */
#define PROXY_V1_MAX_LEN 107

/*
 * The TLV bytes a v2 header may carry besides its largest address block (two unix paths, 216 bytes). The
 * registered TLVs a sender fills (ALPN, authority, a unique ID of at most 128 bytes, the TLS summary) fit
 * with room to spare; a longer header is refused rather than buffered.
 */
#define PROXY_V2_MAX_TLV 1024

/* The longest header proxy_parse() accepts: a reader with room for this many bytes always sees it whole. */
#define PROXY_MAX_LEN (16 + 216 + PROXY_V2_MAX_TLV)

struct proxy_header {
	bool local;                  /* v2 LOCAL, or v1 UNKNOWN: keep the socket's own addresses */
	struct sockaddr_storage src; /* the client, when !local: AF_INET or AF_INET6 */
	struct sockaddr_storage dst;
};

/*
 * Parses a PROXY header at buf[0..len). Returns its length once complete; TH_AGAIN when more bytes are
 * needed (a prefix of a valid header so far); TH_ERROR when it is not a valid header. Each byte is judged
 * as it arrives, so a header trickled byte by byte is refused at its first wrong byte. *h is written only
 * when the header is complete.
 *
 * v1 is strict: single spaces, addresses that inet_pton() takes, ports without leading zeros, CRLF. After
 * "UNKNOWN" the rest of the line is ignored, as the specification asks. v2 takes LOCAL with any family
 * (local) and PROXY with TCP over IPv4 or IPv6 (the addresses); PROXY with any other family or transport
 * (unspecified, unix, UDP) is local too, the fallback the specification requires of a receiver that does
 * not implement them. TLVs are skipped unread; an address block shorter than its family's is TH_ERROR.
 */
ssize_t proxy_parse(const char *buf, size_t len, struct proxy_header *h);

#endif
