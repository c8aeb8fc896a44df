/* SPDX-License-Identifier: ISC */
/* version.h: the one version string this binary reports: -V, the metrics, the upgrade log. */
#ifndef VERSION_H
#define VERSION_H

/* configure's PACKAGE_VERSION, with TINYHTTPD_VERSION_SUFFIX appended when the build defines it. */
extern const char tinyhttpd_version[];

#endif
