/* SPDX-License-Identifier: ISC */
/* status.h: the return codes modules share, after nginx's: zero or a count is success, negatives say why not.
 */
#ifndef STATUS_H
#define STATUS_H

enum {
	TH_OK = 0,
	TH_ERROR = -1,      /* failed: the caller reports it or closes */
	TH_AGAIN = -2,      /* not yet: more input is needed */
	TH_DONE = -4,       /* finished: nothing more to do here */
	TH_DECLINED = -5,   /* not this one's to do: the caller goes another way */
	TH_WANT_READ = -6,  /* transport: try again once the socket is readable */
	TH_WANT_WRITE = -7, /* transport: try again once the socket is writable */
};

#endif
