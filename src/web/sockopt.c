/*
 * sockopt.c: setsockopt(2) as libmicrohttpd 0.9.75 needs it behind the
 * front gate.
 *
 * The library serves the gate's Unix socketpairs, not TCP. Around every
 * response it sets TCP_CORK and TCP_NODELAY on its socket; on a Unix
 * socket Linux refuses them with EOPNOTSUPP, which 0.9.75 takes for a
 * passing fault: it formats a message (our logger drops it) and tries
 * again at the next response, two failing system calls per request
 * (docs/performance.md, "2026-12-06: the fixed cost of a request"). ENOPROTOOPT is
 * the answer it understands: it then marks the connection as not TCP/IP
 * and never asks again. So this definition, which the dynamic linker
 * finds before the C library's (the executable comes first), makes the
 * real call and turns exactly that refusal, a TCP option on a socket
 * that does not speak TCP, into ENOPROTOOPT. Every other call, and
 * every other outcome, is the C library's own.
 */
#define _GNU_SOURCE	/* RTLD_NEXT */
#include <sys/socket.h>

#include <netinet/in.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

typedef int	(*setsockopt_fn)(int, int, int, const void *, socklen_t);

static _Atomic(setsockopt_fn) next_setsockopt;

int
setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	setsockopt_fn next = atomic_load(&next_setsockopt);
	int r;

	if (next == NULL) {
		next = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
		if (next == NULL) {
			errno = ENOSYS;
			return -1;
		}
		atomic_store(&next_setsockopt, next);
	}
	r = next(fd, level, name, value, len);
	if (r != 0 && level == IPPROTO_TCP && errno == EOPNOTSUPP)
		errno = ENOPROTOOPT;
	return r;
}
