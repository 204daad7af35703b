/*
 * syscalls.h: the seccomp allow-list of `robinet serve` (Linux,
 * libseccomp): once the server runs, only the system calls it needs
 * are allowed; any other ends the whole process with SIGSYS.
 */
#ifndef RB_BASE_SYSCALLS_H
#define RB_BASE_SYSCALLS_H

#include <stddef.h>

enum rb_syscalls_mode {
	RB_SYSCALLS_KILL,	/* a call outside the list kills the process */
	RB_SYSCALLS_LOG		/* it runs, and the kernel logs it (audit) */
};

/*
 * Installs the filter on every thread of the process (and on threads
 * created later), with no_new_privs set: it cannot be lifted. Names
 * unknown to this architecture's kernel headers are skipped. Returns 0,
 * or -1 with an English line in err (nothing installed).
 */
int	rb_syscalls_restrict(enum rb_syscalls_mode mode, char *err,
	    size_t errlen);

#endif
