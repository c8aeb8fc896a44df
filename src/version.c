/* SPDX-License-Identifier: ISC */
/*
 * version.c: the version string, alone in its object: a program that links its own copy, built with another
 * TINYHTTPD_VERSION_SUFFIX, is taken over this one from the library (the tests' second binary).
 */
#include "version.h"

#ifndef TINYHTTPD_VERSION_SUFFIX
#define TINYHTTPD_VERSION_SUFFIX ""
#endif

const char tinyhttpd_version[] = PACKAGE_VERSION TINYHTTPD_VERSION_SUFFIX;
