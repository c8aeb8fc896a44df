/* SPDX-License-Identifier: ISC */
/* fuzz.h: what the harnesses share: libFuzzer's entry point, CHECK for invariants and exact-size copies. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant aborts, so libFuzzer saves the input as a crash; assert() would vanish under NDEBUG. */
#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);         \
			abort();                                                                             \
		}                                                                                            \
	} while (0)

/* Exactly n bytes of heap, so AddressSanitizer reports any access past the end. */
static inline char *
fuzz_alloc(size_t n)
{
	char *p = malloc(n);

	CHECK(p != NULL || n == 0);
	return p;
}

static inline char *
fuzz_dup(const void *p, size_t n)
{
	char *q = fuzz_alloc(n);

	/* memcpy's pointers must be valid even for 0 bytes, and UBSan checks that. */
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

#endif
